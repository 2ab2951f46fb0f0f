/*
 * The monitor's line editor: turns a raw terminal byte stream (VT100/xterm
 * keys) into command lines, echoing and redrawing as the user edits. Knows
 * nothing of commands; completion candidates come from a callback.
 */
#ifndef MONITOR_READLINE_H
#define MONITOR_READLINE_H

#include "util/osdep.h"

#define READLINE_CMD_BUF_SIZE 4096
#define READLINE_MAX_HISTORY 64

typedef struct ReadLineState ReadLineState;

/* Echo and redraw output for the terminal. */
typedef void ReadLinePrintFunc(void *opaque, const char *text);
/* A finished line (without its newline). */
typedef void ReadLineExecFunc(void *opaque, const char *line);
/*
 * Candidates for the word that ends at the cursor: line holds the text up to
 * the cursor; add whole words (g_strdup'ed) to out.
 */
typedef void ReadLineCompleteFunc(void *opaque, const char *line, GPtrArray *out);

ReadLineState *readline_new(ReadLinePrintFunc *print, ReadLineExecFunc *exec,
                            ReadLineCompleteFunc *complete, void *opaque);
void readline_free(ReadLineState *rs);

void readline_set_prompt(ReadLineState *rs, const char *prompt);
/* Print the prompt and the line being edited, cursor in place (new line, focus back). */
void readline_show_prompt(ReadLineState *rs);
/* Forget the line being edited and any half-read escape sequence (peer went away). */
void readline_reset_line(ReadLineState *rs);

void readline_handle_byte(ReadLineState *rs, uint8_t ch);

/* History, oldest first: entry index, or NULL past the end. */
const char *readline_get_history(ReadLineState *rs, unsigned index);

#endif
