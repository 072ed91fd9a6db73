/* A valid shared library that forgot the entry symbol. See Plugins/Fixtures/README.md. */
__attribute__((visibility("default")))
int acuhook_plugin_entri(void) { return 42; }
