/* Bad metadata: each case asserts the exact message, with line and column.
 * The base document and its line numbers are in helpers.c. */
#include <criterion/criterion.h>
#include <stdlib.h>

#include "tests/metadata/helpers.h"

TestSuite(errors, .init = md_setup, .fini = md_teardown, .timeout = 300);

#define BAD(name, from, to, msg)                                                \
    Test(errors, name)                                                          \
    {                                                                           \
        char *y = md_base_with(from, to);                                       \
        md_expect_error(y, "distros/debian-12.yaml:" msg);                      \
        free(y);                                                                \
    }

/* --- YAML itself --- */
BAD(syntax_unclosed_flow_list, "    packages: [apt]\n", "    packages: [apt\n",
    "19:10: YAML syntax error: did not find expected ',' or ']' (while parsing a flow sequence at 18:15)")
BAD(syntax_tab_indent, "  x86_64: amd64\n", "\tx86_64: amd64\n",
    "8:1: YAML syntax error: found character that cannot start any token (while scanning for the next token at 8:1)")
BAD(duplicate_top_level_key, "codename: bookworm\n", "codename: bookworm\nrelease: \"13\"\n",
    "4:1: duplicate key 'release' (first at 2:1)")
BAD(duplicate_nested_key, "      - less\n", "      - less\n    packages: [vim]\n",
    "23:5: duplicate key 'packages' (first at 21:5)")
BAD(alias_refused, "      - less\n", "      - *pkgs\n",
    "22:9: YAML aliases (*pkgs) are not supported: use 'extends' to share package lists")
BAD(anchor_refused, "    packages: [apt]\n", "    packages: &pkgs [apt]\n",
    "18:15: YAML anchors (&pkgs) are not supported")
BAD(second_document, "      - less\n", "      - less\n---\nfoo: 1\n",
    "23:1: a second YAML document: a distro file holds exactly one")
BAD(complex_mapping_key, "merged_usr: symlinks\n", "merged_usr: symlinks\n? [a]\n: b\n",
    "7:3: mapping keys must be plain strings, not a list")

Test(errors, top_level_not_a_mapping)
{
    md_expect_error("- a\n- b\n", "distros/debian-12.yaml:1:1: a distro file must be a mapping "
                                  "(distribution: ..., release: ...), not a list");
}

Test(errors, empty_file)
{
    md_expect_error("# nothing but a comment\n",
                    "distros/debian-12.yaml:1:1: empty file: expected a mapping with 'distribution', 'release', ...");
}

/* --- keys --- */
BAD(unknown_key_top_level, "summary: Test {{release}}\n", "summary: Test {{release}}\nsummery: x\n",
    "6:1: unknown key 'summery' (did you mean 'summary'?)")
BAD(unknown_key_in_variant, "    packages: [apt]\n", "    pakages: [apt]\n",
    "18:5: unknown key 'pakages' (did you mean 'packages'?)")
BAD(unknown_key_without_suggestion, "    keyring: /k.gpg\n", "    keyring: /k.gpg\n    colour: blue\n",
    "15:5: unknown key 'colour' in repository 'main' (known keys: name, mirror, suite, components, "
    "keyring, allow_unsigned, baseurl, gpgkey, gpgcheck, repo_gpgcheck, metalink, mirrorlist)")
BAD(unknown_script_key, "    base: required\n", "    base: required\n    scripts:\n      post-instal: echo\n",
    "19:7: unknown key 'post-instal' (did you mean 'post-install'?)")

/* --- types --- */
BAD(wrong_type_packages_string, "    packages: [apt]\n", "    packages: apt\n",
    "18:15: 'packages' must be a list of strings, not a string")
BAD(wrong_type_architectures_list, "architectures:\n  x86_64: amd64\n", "architectures: [x86_64]\n",
    "7:16: 'architectures' must be a mapping, not a list")
BAD(wrong_type_codename_list, "codename: bookworm\n", "codename: [bookworm]\n",
    "3:11: 'codename' must be a string, not a list")
BAD(wrong_type_list_entry, "    packages: [apt]\n", "    packages: [apt, {a: b}]\n",
    "18:21: 'packages' entries must be strings, not a mapping")
BAD(wrong_type_null_summary, "summary: Test {{release}}\n", "summary:\n",
    "5:9: 'summary' must be a string, not nothing (null)")
BAD(wrong_type_bool, "    keyring: /k.gpg\n", "    keyring: /k.gpg\n    allow_unsigned: yes\n",
    "15:21: 'allow_unsigned' must be true or false, not 'yes'")
BAD(wrong_type_variant_not_mapping, "  minimal:\n    base: required\n    packages: [apt]\n", "  minimal: [apt]\n",
    "16:12: variant 'minimal' must be a mapping, not a list")

/* --- required fields --- */
BAD(missing_codename, "codename: bookworm\n", "", "1:1: missing required field 'codename'")
BAD(missing_suite, "    suite: \"{{codename}}\"\n", "",
    "10:5: missing required field 'suite' in repository 'main'")
BAD(missing_base, "    base: required\n", "",
    "17:5: missing required field 'base' in variant 'minimal' (base: required for the distribution's "
    "minimal set, or base: none)")
BAD(missing_merged_usr, "merged_usr: symlinks\n", "",
    "1:1: missing required field 'merged_usr' (family deb needs symlinks, packages or none)")
BAD(missing_keyring, "    keyring: /k.gpg\n", "",
    "10:5: repository 'main' has no 'keyring': name the OpenPGP keyring that signs it, or set "
    "allow_unsigned: true")

/* --- values --- */
BAD(bad_family_typo, "family: deb\n", "family: dep\n", "4:9: invalid family 'dep' (did you mean 'deb'?)")
BAD(bad_family, "family: deb\n", "family: portage\n", "4:9: invalid family 'portage' (expected one of: deb, rpm)")
BAD(bad_merged_usr, "merged_usr: symlinks\n", "merged_usr: symlink\n",
    "6:13: invalid merged_usr 'symlink' (did you mean 'symlinks'?)")
BAD(bad_base, "    base: required\n", "    base: requird\n", "17:11: invalid base 'requird' (did you mean 'required'?)")
BAD(bad_architecture_typo, "  x86_64: amd64\n", "  x86-64: amd64\n",
    "8:3: unknown architecture 'x86-64' (did you mean 'x86_64'?)")
BAD(bad_architecture, "  x86_64: amd64\n", "  sparc: sparc\n",
    "8:3: unknown architecture 'sparc' (use the kernel's name: x86_64, aarch64, ...)")
BAD(empty_architectures, "architectures:\n  x86_64: amd64\n", "architectures: {}\n",
    "7:16: 'architectures' must not be empty (for example x86_64: amd64)")
BAD(distribution_with_dash, "distribution: debian\n", "distribution: deb-ian\n",
    "1:15: invalid distribution 'deb-ian' (lowercase letters, digits, '.', '_', '+'; no '-', which "
    "separates the parts of a template name)")
BAD(keyring_above_the_distro_file, "    keyring: /k.gpg\n", "    keyring: keys/../../k.gpg\n",
    "14:14: 'keyring' must be an absolute path or one below the distro file's directory "
    "(keys/NAME.gpg), not 'keys/../../k.gpg'")
BAD(keyring_dotdot_first, "    keyring: /k.gpg\n", "    keyring: ../k.gpg\n",
    "14:14: 'keyring' must be an absolute path or one below the distro file's directory "
    "(keys/NAME.gpg), not '../k.gpg'")
BAD(keyring_empty, "    keyring: /k.gpg\n", "    keyring: \"\"\n",
    "14:14: 'keyring' must be an absolute path or one below the distro file's directory "
    "(keys/NAME.gpg), not ''")
BAD(empty_components, "    components: [main]\n", "    components: []\n",
    "13:17: 'components' must not be empty (for example [main])")
BAD(empty_mirror_list, "    mirror: \"{{mirror.debian}}\"\n", "    mirror: []\n", "11:13: 'mirror' must not be empty")
BAD(empty_repositories,
    "repositories:\n  - name: main\n    mirror: \"{{mirror.debian}}\"\n    suite: \"{{codename}}\"\n"
    "    components: [main]\n    keyring: /k.gpg\n",
    "repositories: []\n", "9:15: 'repositories' must not be empty")
BAD(duplicate_repository_name, "    keyring: /k.gpg\n",
    "    keyring: /k.gpg\n  - name: main\n    mirror: x\n    suite: s\n    components: [main]\n    keyring: /k\n",
    "15:11: duplicate repository name 'main' (first at 10:11)")
BAD(unknown_repository_in_variant, "    base: required\n", "    base: required\n    repositories: [mian]\n",
    "18:20: unknown repository 'mian' (did you mean 'main'?)")
BAD(bad_environment_name, "merged_usr: symlinks\n", "merged_usr: symlinks\nenvironment:\n  FOO-BAR: x\n",
    "8:3: invalid environment variable name 'FOO-BAR' (letters, digits and '_')")
BAD(bad_package_name_in_other_variant, "      - less\n", "      - Less\n",
    "22:9: invalid package name 'Less' (Debian package names are lowercase letters, digits, '+', '-' and '.')")

/* --- package lists --- */
BAD(empty_packages_with_base_none, "    base: required\n    packages: [apt]\n", "    base: none\n    packages: []\n",
    "18:15: variant 'minimal' installs nothing: 'packages' must not be empty with base: none")
BAD(no_packages_with_base_none, "    base: required\n    packages: [apt]\n", "    base: none\n",
    "17:5: variant 'minimal' installs nothing: 'packages' must not be empty with base: none")

/* --- variants --- */
BAD(unknown_variant_in_extends, "    extends: minimal\n", "    extends: minmal\n",
    "20:14: unknown variant 'minmal' in extends (did you mean 'minimal'?)")
BAD(extends_loop, "    base: required\n", "    base: required\n    extends: default\n",
    "18:14: extends loop: minimal -> default -> minimal")
BAD(extends_itself, "    extends: minimal\n", "    extends: default\n", "20:14: extends loop: default -> default")

/* --- variables --- */
BAD(unknown_variable_typo, "    suite: \"{{codename}}\"\n", "    suite: \"{{codenam}}\"\n",
    "12:13: unknown variable '{{codenam}}' (did you mean '{{codename}}'?)")
BAD(unknown_variable, "summary: Test {{release}}\n", "summary: Test {{flavour_of_day}}\n",
    "5:15: unknown variable '{{flavour_of_day}}' (known: codename, release, arch, distro_arch, distribution, "
    "releasever, basearch, mirror.NAME)")
BAD(unterminated_variable, "summary: Test {{release}}\n", "summary: Test {{release\n",
    "5:15: unterminated variable: '{{' without '}}'")
BAD(bad_mirror_variable, "    mirror: \"{{mirror.debian}}\"\n", "    mirror: \"{{mirror.Debian}}\"\n",
    "11:14: invalid mirror variable '{{mirror.Debian}}': the name after 'mirror.' is lowercase letters, "
    "digits and '_'")
BAD(unknown_variable_in_literal_block, "    base: required\n",
    "    base: required\n    scripts:\n      post-install: |\n        echo start\n        echo {{hostname}}\n",
    "21:14: unknown variable '{{hostname}}' (known: codename, release, arch, distro_arch, distribution, "
    "releasever, basearch, mirror.NAME)")
