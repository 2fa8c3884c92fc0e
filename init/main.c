/*
 * berth-init: /sbin/init on the verified root, PID 1 once stage 1
 * (berth-stage1, init/stage1.c) has switched to it: it runs the system.
 */
#include "init.h"

int main(void)
{
	pid1_begin("berth-init");
	stage2();
}
