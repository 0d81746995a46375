#include "CSystemShims.h"
int omzien_shims_version(void) { return 1; }
