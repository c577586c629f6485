/* logfmt logging: `ts=… level=info event=case.create case=0190…`. Values are restricted to
 * tokens (letters, digits and . _ : / - @, at most 64 bytes): ids, codes, counts. Anything else
 * is printed as "[redacted]", so a name or a note can never reach a log by mistake. */
#ifndef SAFEPATH_LOG_H
#define SAFEPATH_LOG_H

#include "safepath/err.h"

enum sp_log_level { SP_LOG_DEBUG, SP_LOG_INFO, SP_LOG_WARN, SP_LOG_ERROR };

void sp_log_set_level(enum sp_log_level level);
/* Log to this file descriptor (default 2). */
void sp_log_set_fd(int fd);
/* Parse "debug", "info", "warn" or "error"; -1 if none. */
int sp_log_level_parse(const char *s) SP_MUST;
/* Key/value pairs as const char * arguments, ended by NULL. */
void sp_log(enum sp_log_level level, const char *event, ...) __attribute__((sentinel));

#endif
