/* Temporary stand-in for milestone() until the boot-milestone work lands: drop this file then. */
#include "init.h"

void milestone(const char *name)
{
	(void)name;
}
