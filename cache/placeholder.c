/* placeholder so the module library is never empty */
int vz_cache_module_placeholder;
