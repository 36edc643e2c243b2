/* Logging to stderr. The level is set once by main (the one piece of global
 * state outside main, written before any thread starts). Pure protocol and
 * session code never logs: it returns errors and the layer above decides. */
#ifndef RTSPGATE_CORE_LOG_H
#define RTSPGATE_CORE_LOG_H

enum log_level { LOG_ERROR = 0, LOG_WARN, LOG_INFO, LOG_VERBOSE, LOG_DEBUG };

void log_set_level(enum log_level lvl);
enum log_level log_get_level(void);
void log_msg(enum log_level lvl, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define log_error(...)   log_msg(LOG_ERROR, __VA_ARGS__)
#define log_warn(...)    log_msg(LOG_WARN, __VA_ARGS__)
#define log_info(...)    log_msg(LOG_INFO, __VA_ARGS__)
#define log_verbose(...) log_msg(LOG_VERBOSE, __VA_ARGS__)
#define log_debug(...)   log_msg(LOG_DEBUG, __VA_ARGS__)
#define log_enabled(l)   ((l) <= log_get_level())

#endif
