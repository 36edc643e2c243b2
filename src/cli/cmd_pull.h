/* rtspgate pull (src/cli/cmd_pull.c). */
#ifndef RTSPGATE_CLI_CMD_PULL_H
#define RTSPGATE_CLI_CMD_PULL_H

extern const char usage_pull[];
int cmd_pull(int argc, char **argv);

#endif
