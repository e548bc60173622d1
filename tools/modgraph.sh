#!/bin/bash
# The module graph, measured (issue 18): which top folders include which,
# every include that points up the layers (docs/design: arrows point down
# only), and every circle between source files of the libraries and cmd/.
#
# Circles are found from the built objects' symbols, not from #include
# lines: files that share an internal header (metadata/internal.h,
# cache/store_int.h) depend on each other without naming each other's
# header. A file depends on another when it uses a symbol the other defines.
#
# Usage: tools/modgraph.sh [BUILD]    BUILD: a built tree (default: build)
# Exit 1 when an upward include or an include circle is found.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build}
# Each folder and the folders it may include (ARCHITECTURE.md, "Modules").
allowed() {
    case $1 in
    cmd) echo "cmd tmplbuild vpscore cache metadata common" ;;
    tmplbuild) echo "tmplbuild vpscore cache metadata common" ;;
    vpscore) echo "vpscore cache common" ;;
    cache) echo "cache common" ;;
    metadata) echo "metadata common" ;;
    common) echo "common" ;;
    esac
}
MODS=$(for m in cmd tmplbuild vpscore cache metadata common; do [ -d "$m" ] && echo "$m"; done | tr '\n' ' ')

echo "# includes between folders (including folder -> included folder: count)"
up=0
for m in $MODS; do
    line=$(grep -rhoE '^#include "[a-z_]+/' "$m" --include='*.c' --include='*.h' |
        sed 's/#include "//; s|/||' | sort | uniq -c | awk '{printf " %s:%s", $2, $1}' || true)
    echo "$m ->$line"
    while read -r to; do
        case " $(allowed "$m") " in *" $to "*) ;; *)
            echo "UPWARD: $m includes $to:"
            grep -rnE "^#include \"$to/" "$m" --include='*.c' --include='*.h' | sed 's/^/  /'
            up=$((up + 1)) ;;
        esac
    done < <(grep -rhoE '^#include "[a-z_]+/' "$m" --include='*.c' --include='*.h' |
             sed 's/#include "//; s|/||' | sort -u || true)
done
echo "upward includes: $up"

# Prints each circle of the "FROM TO" edges read from stdin, then a count;
# fails when there is one.
circles() {
    awk -v what="$1" '
    $1 != $2 && !(($1, $2) in edge) {
        edge[$1, $2] = 1; node[$1] = 1; node[$2] = 1; succ[$1] = succ[$1] " " $2
    }
    END {
        for (v in node) if (!(v in idx)) strong(v)
        printf "%s: %d files, %d dependencies, %d circles\n", what, length(node), length(edge), circles
        exit circles > 0
    }
    # Tarjan: each strongly connected set of two or more files is a circle.
    function strong(v,    i, k, w, list, comp) {
        idx[v] = low[v] = ++counter; stack[++sp] = v; on[v] = 1
        k = split(succ[v], list, " ")
        for (i = 1; i <= k; i++) {
            w = list[i]
            if (!(w in idx)) { strong(w); if (low[w] < low[v]) low[v] = low[w] }
            else if (on[w] && idx[w] < low[v]) low[v] = idx[w]
        }
        if (low[v] != idx[v]) return
        comp = ""; k = 0
        do { w = stack[sp--]; on[w] = 0; comp = comp " " w; k++ } while (w != v)
        if (k > 1) { circles++; print "CIRCLE:" comp }
    }'
}

# A file and its header are one node (common/conf = conf.c + conf.h).
echo "# include circles (a.c or a.h includes b.h, and b.c or b.h includes a.h)"
inc=0
for m in $MODS; do
    grep -rHoE '^#include "[a-z_]+/[A-Za-z0-9_/-]+\.h"' "$m" --include='*.c' --include='*.h'
done | sed -E 's/\.[ch]:#include "/ /; s/\.h"$//' |
    # A header without a .c (vpscore/cgroup-internal.h) is a module's inside:
    # a file that includes it includes what it includes.
    awk -v mods="$MODS" 'BEGIN { cmd = "find " mods " -name \"*.c\""
                                 while ((cmd | getline f) > 0) { sub(/\.c$/, "", f); src[f] = 1 } }
         { from[NR] = $1; to[NR] = $2; if (!($1 in src)) via[$1] = via[$1] " " $2 }
         END { for (i = 1; i <= NR; i++) {
                   if (!(from[i] in src)) continue
                   if (to[i] in src || !(to[i] in via)) { print from[i], to[i]; continue }
                   k = split(via[to[i]], t, " "); for (j = 1; j <= k; j++) print from[i], t[j] } }' |
    circles "include graph" || inc=1

objs=$(for m in $MODS; do find "$BUILD/obj/$m" -name '*.o' 2>/dev/null; done | sort)
if [ -z "$objs" ]; then
    echo "modgraph: no objects under $BUILD/obj: run make first" >&2
    exit 2
fi
# Files that share an internal header (metadata/internal.h) depend on each
# other without naming each other's header: the objects' symbols show it.
# Reported, not gated: a back end and its front (vpscore/cgroup*.c, the
# family tables) call each other by design.
echo "# call circles (a file uses a symbol another defines, and back)"
for o in $objs; do
    f=${o#"$BUILD"/obj/}; f=${f%.o}
    nm --defined-only -g "$o" | awk -v f="$f" 'NF == 3 { print "D", f, $3 }'
    nm -u "$o" | awk -v f="$f" '{ print "U", f, $NF }'
done | awk '$1 == "D" { def[$3] = $2; next } def[$3] != "" { print $2, def[$3] }
            $1 == "U" { pend[++n] = $2 " " $3 }
            END { for (i = 1; i <= n; i++) { split(pend[i], a, " "); if (def[a[2]] != "") print a[1], def[a[2]] } }' |
    circles "call graph" || true
[ "$up" = 0 ] && [ "$inc" = 0 ]
