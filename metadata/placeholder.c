/* placeholder so the module library is never empty */
int vz_metadata_module_placeholder;
