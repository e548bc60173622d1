/* tests/ci/workflow_expr.c: the grammar of a GitHub Actions expression
 * (workflow_check.h), as the runner's parser has it:
 *
 *   expr    := and ('||' and)*
 *   and     := cmp ('&&' cmp)*
 *   cmp     := unary (('==' | '!=' | '<' | '<=' | '>' | '>=') unary)*
 *   unary   := '!' unary | primary
 *   primary := literal | '(' expr ')' | IDENT '(' [expr (',' expr)*] ')' access*
 *            | IDENT access*
 *   access  := '.' IDENT | '.' '*' | '[' expr ']'
 *   literal := 'single-quoted' ('' inside) | number | true | false | null
 *
 * The classic mistakes it refuses: an unbalanced parenthesis or bracket,
 * '=' or '&' or '|' alone, a double-quoted string, two operands with no
 * operator between them, an operator with no operand. */
#include "workflow_check.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct p {
    const char *s;
    size_t i, len;
    char *msg;
    size_t msglen;
    bool bad;
};

static void fail(struct p *p, const char *what)
{
    if (!p->bad)
        snprintf(p->msg, p->msglen, "%s at offset %zu of '%.*s'", what, p->i, (int)p->len, p->s);
    p->bad = true;
}

/* What is wrong when text is left where an operator or a closing bracket
 * should be. */
static void leftover(struct p *p, const char *otherwise)
{
    char c = p->s[p->i];
    fail(p, c == '=' ? "'=' alone (compare with '==')"
         : c == '&' ? "'&' alone (and is '&&')"
         : c == '|' ? "'|' alone (or is '||')"
         : c == ')' ? "')' without '('"
         : c == ']' ? "']' without '['"
                    : otherwise);
}

static void ws(struct p *p)
{
    while (p->i < p->len && isspace((unsigned char)p->s[p->i]))
        p->i++;
}

static bool eat(struct p *p, const char *tok)
{
    ws(p);
    size_t l = strlen(tok);
    if (p->i + l <= p->len && !strncmp(p->s + p->i, tok, l)) {
        p->i += l;
        return true;
    }
    return false;
}

static bool ident(struct p *p)
{
    ws(p);
    if (p->i >= p->len || (!isalpha((unsigned char)p->s[p->i]) && p->s[p->i] != '_'))
        return false;
    while (p->i < p->len && (isalnum((unsigned char)p->s[p->i]) || p->s[p->i] == '_' ||
                             p->s[p->i] == '-'))
        p->i++;
    return true;
}

static void expr(struct p *p);

static void accesses(struct p *p)
{
    for (;;) {
        if (eat(p, ".")) {
            if (!eat(p, "*") && !ident(p))
                fail(p, "a property name must follow '.'");
        } else if (eat(p, "[")) {
            expr(p);
            if (!eat(p, "]"))
                fail(p, "'[' without ']'");
        } else {
            return;
        }
        if (p->bad)
            return;
    }
}

static void primary(struct p *p)
{
    ws(p);
    if (p->i >= p->len) {
        fail(p, "an operand is missing");
        return;
    }
    char ch = p->s[p->i];
    if (ch == '\'') {
        for (p->i++;; p->i++) {
            if (p->i >= p->len) {
                fail(p, "unterminated string");
                return;
            }
            if (p->s[p->i] == '\'') {
                if (p->i + 1 < p->len && p->s[p->i + 1] == '\'') {
                    p->i++;
                    continue;
                }
                p->i++;
                return;
            }
        }
    }
    if (ch == '"') {
        fail(p, "a string is in double quotes (expressions take 'single' quotes)");
        return;
    }
    if (isdigit((unsigned char)ch) || ch == '-' || ch == '+' || ch == '.') {
        size_t s = p->i;
        p->i++;
        while (p->i < p->len && (isalnum((unsigned char)p->s[p->i]) || p->s[p->i] == '.'))
            p->i++;
        char num[64];
        snprintf(num, sizeof(num), "%.*s", (int)(p->i - s), p->s + s);
        char *end = NULL;
        strtod(num, &end);
        if (!end || *end)
            fail(p, "not a number");
        return;
    }
    if (eat(p, "(")) {
        expr(p);
        ws(p);
        if (!p->bad && !eat(p, ")"))
            leftover(p, p->i < p->len ? "an operator is missing between two operands"
                                      : "'(' without ')'");
        return;
    }
    if (!ident(p)) {
        fail(p, "an operand is missing");
        return;
    }
    if (eat(p, "(")) {
        if (!eat(p, ")")) {
            do
                expr(p);
            while (!p->bad && eat(p, ","));
            ws(p);
            if (!p->bad && !eat(p, ")"))
                leftover(p, p->i < p->len ? "an operator is missing between two operands"
                                          : "a function call without ')'");
        }
    }
    if (!p->bad)
        accesses(p);
}

static void unary(struct p *p)
{
    ws(p);
    if (p->i < p->len && p->s[p->i] == '!' && (p->i + 1 >= p->len || p->s[p->i + 1] != '=')) {
        p->i++;
        unary(p);
        return;
    }
    primary(p);
}

static void cmp(struct p *p)
{
    unary(p);
    while (!p->bad) {
        if (eat(p, "==") || eat(p, "!=") || eat(p, "<=") || eat(p, ">=") || eat(p, "<") ||
            eat(p, ">"))
            unary(p);
        else
            return;
    }
}

static void and_(struct p *p)
{
    cmp(p);
    while (!p->bad && eat(p, "&&"))
        cmp(p);
}

static void expr(struct p *p)
{
    and_(p);
    while (!p->bad && eat(p, "||"))
        and_(p);
}

bool workflow_expr_syntax(const char *e, size_t len, char *msg, size_t msglen)
{
    struct p p = { e, 0, len, msg, msglen, false };
    expr(&p);
    ws(&p);
    if (!p.bad && p.i < len)
        leftover(&p, "an operator is missing between two operands");
    return !p.bad;
}
