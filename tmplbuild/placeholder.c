/* placeholder so the module library is never empty */
int vz_tmplbuild_module_placeholder;
