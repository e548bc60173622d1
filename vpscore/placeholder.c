/* placeholder so the module library is never empty */
int vz_vpscore_module_placeholder;
