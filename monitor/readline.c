/*
 * The monitor's line editor, for a raw terminal (VT100/xterm key sequences,
 * ECMA-48 CSI syntax). Keys, as QEMU's and bash's monitor habits expect:
 *
 *   printable        insert at the cursor          Backspace (0x7f, 0x08)  delete left
 *   Ctrl-D, ESC[3~   delete under the cursor       Enter (\r, \n, \r\n)    execute
 *   Left/Right       ESC[D ESC[C, Ctrl-B/Ctrl-F    Home/End  ESC[H ESC[F ESC[1~ ESC[4~
 *                                                            ESC[7~ ESC[8~ ESCOH ESCOF,
 *                                                            Ctrl-A/Ctrl-E
 *   Up/Down          history (ESC[A ESC[B, Ctrl-P/Ctrl-N)
 *   Ctrl-U           kill to the start of line     Ctrl-K   kill to end of line
 *   Ctrl-W           kill the word before the cursor
 *   Tab              complete: one match completes, several are listed
 *
 * Only printable ASCII enters the line, so one byte is one screen column and the
 * cursor arithmetic stays exact. The screen is redrawn by difference: what the
 * terminal shows after the prompt is remembered, so typing at the end of the
 * line echoes just the new character. Lines longer than the terminal is wide
 * are not reflowed (as QEMU).
 */
#include "monitor/readline.h"
#include <stdarg.h>

typedef enum ReadLineEscState {
    RL_NORM,
    RL_ESC, /* after ESC */
    RL_CSI, /* after ESC [ */
    RL_SS3, /* after ESC O (application cursor keys) */
} ReadLineEscState;

#define RL_ESC_PARAM_MAX 1000

struct ReadLineState {
    char buf[READLINE_CMD_BUF_SIZE + 1];
    int size;  /* bytes in buf */
    int index; /* cursor, 0..size */

    /* What the terminal shows after the prompt, and where its cursor is. */
    char shown[READLINE_CMD_BUF_SIZE + 1];
    int shown_size;
    int shown_index;

    ReadLineEscState esc_state;
    int esc_param; /* first numeric parameter of a CSI sequence */
    bool esc_param_done;
    bool last_was_cr; /* so that \r\n is one Enter */

    char *history[READLINE_MAX_HISTORY];
    int history_len;
    int hist_entry; /* entry on display, or -1 for the line being typed */
    char *draft;    /* the line being typed, while browsing history */

    char *prompt;
    ReadLinePrintFunc *print;
    ReadLineExecFunc *exec;
    ReadLineCompleteFunc *complete;
    void *opaque;
};

ReadLineState *readline_new(ReadLinePrintFunc *print, ReadLineExecFunc *exec,
                            ReadLineCompleteFunc *complete, void *opaque)
{
    ReadLineState *rs = g_new0(ReadLineState, 1);

    rs->print = print;
    rs->exec = exec;
    rs->complete = complete;
    rs->opaque = opaque;
    rs->hist_entry = -1;
    rs->prompt = g_strdup("");
    return rs;
}

void readline_free(ReadLineState *rs)
{
    if (!rs) {
        return;
    }
    for (int i = 0; i < rs->history_len; i++) {
        g_free(rs->history[i]);
    }
    g_free(rs->draft);
    g_free(rs->prompt);
    g_free(rs);
}

void readline_set_prompt(ReadLineState *rs, const char *prompt)
{
    g_free(rs->prompt);
    rs->prompt = g_strdup(prompt);
}

const char *readline_get_history(ReadLineState *rs, unsigned index)
{
    return index < (unsigned)rs->history_len ? rs->history[index] : NULL;
}

/* ---- output ---- */

static void rl_print_n(ReadLineState *rs, const char *text, int len)
{
    g_autofree char *s = NULL;

    if (len <= 0) {
        return;
    }
    s = g_strndup(text, len);
    rs->print(rs->opaque, s);
}

static void rl_printf(ReadLineState *rs, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
static void rl_printf(ReadLineState *rs, const char *fmt, ...)
{
    g_autofree char *s = NULL;
    va_list ap;

    va_start(ap, fmt);
    s = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    rs->print(rs->opaque, s);
}

static void rl_cursor_left(ReadLineState *rs, int n)
{
    if (n > 0) {
        rl_printf(rs, "\033[%dD", n);
    }
}

/* Bring the screen in line with buf: rewrite from the first difference, then place the cursor. */
static void readline_refresh(ReadLineState *rs)
{
    if (rs->size != rs->shown_size || memcmp(rs->buf, rs->shown, rs->size) != 0) {
        int d = 0;

        while (d < rs->size && d < rs->shown_size && rs->buf[d] == rs->shown[d]) {
            d++;
        }
        if (d < rs->shown_index) {
            rl_cursor_left(rs, rs->shown_index - d);
        } else {
            /* Moving right over text that stays: print it again. */
            rl_print_n(rs, rs->shown + rs->shown_index, d - rs->shown_index);
        }
        rl_print_n(rs, rs->buf + d, rs->size - d);
        if (rs->size < rs->shown_size) {
            rl_printf(rs, "\033[K");
        }
        memcpy(rs->shown, rs->buf, rs->size);
        rs->shown_size = rs->size;
        rs->shown_index = rs->size;
    }
    if (rs->index < rs->shown_index) {
        rl_cursor_left(rs, rs->shown_index - rs->index);
    } else if (rs->index > rs->shown_index) {
        rl_printf(rs, "\033[%dC", rs->index - rs->shown_index);
    }
    rs->shown_index = rs->index;
}

void readline_show_prompt(ReadLineState *rs)
{
    rs->print(rs->opaque, rs->prompt);
    rs->shown_size = 0;
    rs->shown_index = 0;
    readline_refresh(rs);
}

void readline_reset_line(ReadLineState *rs)
{
    rs->size = rs->index = 0;
    rs->shown_size = rs->shown_index = 0;
    rs->esc_state = RL_NORM;
    rs->last_was_cr = false;
    rs->hist_entry = -1;
    g_clear_pointer(&rs->draft, g_free);
}

/* ---- editing ---- */

static void rl_set_line(ReadLineState *rs, const char *text)
{
    size_t len = strlen(text);

    len = MIN(len, (size_t)READLINE_CMD_BUF_SIZE);
    memcpy(rs->buf, text, len);
    rs->size = rs->index = (int)len;
}

static void rl_insert(ReadLineState *rs, const char *text, int len)
{
    len = MIN(len, READLINE_CMD_BUF_SIZE - rs->size);
    if (len <= 0) {
        return;
    }
    memmove(rs->buf + rs->index + len, rs->buf + rs->index, rs->size - rs->index);
    memcpy(rs->buf + rs->index, text, len);
    rs->size += len;
    rs->index += len;
}

/* Remove [from, to) and leave the cursor at from. */
static void rl_delete_range(ReadLineState *rs, int from, int to)
{
    if (from >= to) {
        return;
    }
    memmove(rs->buf + from, rs->buf + to, rs->size - to);
    rs->size -= to - from;
    rs->index = from;
}

static void rl_backspace(ReadLineState *rs)
{
    if (rs->index > 0) {
        rl_delete_range(rs, rs->index - 1, rs->index);
    }
}

static void rl_delete(ReadLineState *rs)
{
    if (rs->index < rs->size) {
        rl_delete_range(rs, rs->index, rs->index + 1);
    }
}

static void rl_kill_word(ReadLineState *rs)
{
    int start = rs->index;

    while (start > 0 && rs->buf[start - 1] == ' ') {
        start--;
    }
    while (start > 0 && rs->buf[start - 1] != ' ') {
        start--;
    }
    rl_delete_range(rs, start, rs->index);
}

/* ---- history ---- */

static void rl_history_add(ReadLineState *rs, const char *line)
{
    char *entry;
    int i;

    if (!line[strspn(line, " ")]) {
        return;
    }
    /* An older copy moves to the end rather than being stored twice (as QEMU). */
    for (i = 0; i < rs->history_len; i++) {
        if (!strcmp(rs->history[i], line)) {
            break;
        }
    }
    if (i < rs->history_len) {
        entry = rs->history[i];
        memmove(&rs->history[i], &rs->history[i + 1],
                (rs->history_len - i - 1) * sizeof(rs->history[0]));
        rs->history[rs->history_len - 1] = entry;
        return;
    }
    if (rs->history_len == READLINE_MAX_HISTORY) {
        g_free(rs->history[0]);
        memmove(&rs->history[0], &rs->history[1],
                (READLINE_MAX_HISTORY - 1) * sizeof(rs->history[0]));
        rs->history_len--;
    }
    rs->history[rs->history_len++] = g_strdup(line);
}

static void rl_history_up(ReadLineState *rs)
{
    if (rs->hist_entry == 0 || rs->history_len == 0) {
        return;
    }
    if (rs->hist_entry < 0) {
        g_free(rs->draft);
        rs->draft = g_strndup(rs->buf, rs->size);
        rs->hist_entry = rs->history_len;
    }
    rs->hist_entry--;
    rl_set_line(rs, rs->history[rs->hist_entry]);
}

static void rl_history_down(ReadLineState *rs)
{
    if (rs->hist_entry < 0) {
        return;
    }
    if (rs->hist_entry < rs->history_len - 1) {
        rs->hist_entry++;
        rl_set_line(rs, rs->history[rs->hist_entry]);
        return;
    }
    rs->hist_entry = -1;
    rl_set_line(rs, rs->draft ? rs->draft : "");
    g_clear_pointer(&rs->draft, g_free);
}

/* ---- completion ---- */

static gint rl_strcmp(gconstpointer a, gconstpointer b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool rl_is_printable(const char *s)
{
    for (; *s; s++) {
        if (*s < 0x20 || *s > 0x7e) {
            return false;
        }
    }
    return true;
}

static void rl_list_completions(ReadLineState *rs, GPtrArray *matches)
{
    size_t width = 0;
    int per_line;

    for (guint i = 0; i < matches->len; i++) {
        width = MAX(width, strlen(matches->pdata[i]));
    }
    width += 2;
    per_line = MAX(1, 80 / (int)width);
    rs->print(rs->opaque, "\n");
    for (guint i = 0; i < matches->len; i++) {
        bool last_in_row = (i + 1) % per_line == 0 || i + 1 == matches->len;

        if (last_in_row) {
            rl_printf(rs, "%s\n", (char *)matches->pdata[i]);
        } else {
            rl_printf(rs, "%-*s", (int)width, (char *)matches->pdata[i]);
        }
    }
    readline_show_prompt(rs);
}

static void rl_complete(ReadLineState *rs)
{
    g_autoptr(GPtrArray) cands = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GPtrArray) matches = g_ptr_array_new();
    g_autofree char *upto = g_strndup(rs->buf, rs->index);
    int word_start = rs->index, word_len;
    size_t common;
    const char *first;

    if (!rs->complete) {
        return;
    }
    rs->complete(rs->opaque, upto, cands);
    while (word_start > 0 && rs->buf[word_start - 1] != ' ') {
        word_start--;
    }
    word_len = rs->index - word_start;
    g_ptr_array_sort(cands, rl_strcmp);
    for (guint i = 0; i < cands->len; i++) {
        const char *c = cands->pdata[i];

        if (!strncmp(c, rs->buf + word_start, word_len) && rl_is_printable(c) &&
            (matches->len == 0 || strcmp(c, g_ptr_array_index(matches, matches->len - 1)))) {
            g_ptr_array_add(matches, (gpointer)c);
        }
    }
    if (matches->len == 0) {
        return;
    }
    first = matches->pdata[0];
    common = strlen(first);
    for (guint i = 1; i < matches->len; i++) {
        const char *c = matches->pdata[i];
        size_t n = 0;

        while (n < common && c[n] == first[n]) {
            n++;
        }
        common = n;
    }
    rl_insert(rs, first + word_len, (int)common - word_len);
    if (matches->len == 1) {
        rl_insert(rs, " ", 1);
        return;
    }
    rl_list_completions(rs, matches);
}

/* ---- input ---- */

static void rl_enter(ReadLineState *rs)
{
    g_autofree char *line = g_strndup(rs->buf, rs->size);

    rl_history_add(rs, line);
    readline_reset_line(rs);
    rs->print(rs->opaque, "\n");
    rs->exec(rs->opaque, line);
    readline_show_prompt(rs);
}

static void rl_handle_csi(ReadLineState *rs, uint8_t final, int param)
{
    switch (final) {
    case 'A':
        rl_history_up(rs);
        break;
    case 'B':
        rl_history_down(rs);
        break;
    case 'C':
        rs->index = MIN(rs->index + 1, rs->size);
        break;
    case 'D':
        rs->index = MAX(rs->index - 1, 0);
        break;
    case 'H':
        rs->index = 0;
        break;
    case 'F':
        rs->index = rs->size;
        break;
    case '~':
        if (param == 1 || param == 7) {
            rs->index = 0;
        } else if (param == 4 || param == 8) {
            rs->index = rs->size;
        } else if (param == 3) {
            rl_delete(rs);
        }
        break;
    default:
        break;
    }
}

static void rl_handle_escape(ReadLineState *rs, uint8_t ch)
{
    switch (rs->esc_state) {
    case RL_ESC:
        rs->esc_param = 0;
        rs->esc_param_done = false;
        rs->esc_state = ch == '[' ? RL_CSI : ch == 'O' ? RL_SS3 : RL_NORM;
        return;
    case RL_SS3:
        rs->esc_state = RL_NORM;
        rl_handle_csi(rs, ch, 0);
        return;
    case RL_CSI:
        if (ch >= '0' && ch <= '9') {
            if (!rs->esc_param_done) {
                rs->esc_param = MIN(rs->esc_param * 10 + (ch - '0'), RL_ESC_PARAM_MAX);
            }
        } else if (ch == ';') {
            rs->esc_param_done = true; /* modifiers (ESC[1;5C) are not used */
        } else if (ch >= 0x40 && ch <= 0x7e) {
            rs->esc_state = RL_NORM;
            rl_handle_csi(rs, ch, rs->esc_param);
        } else if (ch < 0x20 || ch > 0x7e) {
            rs->esc_state = RL_NORM; /* not a sequence after all */
        }
        return;
    case RL_NORM:
        break;
    }
}

void readline_handle_byte(ReadLineState *rs, uint8_t ch)
{
    bool was_cr = rs->last_was_cr;

    rs->last_was_cr = false;
    if (rs->esc_state != RL_NORM) {
        rl_handle_escape(rs, ch);
        readline_refresh(rs);
        return;
    }
    switch (ch) {
    case '\r':
        rl_enter(rs);
        rs->last_was_cr = true;
        return;
    case '\n':
        if (!was_cr) {
            rl_enter(rs);
        }
        return;
    case 0x1b:
        rs->esc_state = RL_ESC;
        return;
    case 0x01: /* Ctrl-A */
        rs->index = 0;
        break;
    case 0x02: /* Ctrl-B */
        rs->index = MAX(rs->index - 1, 0);
        break;
    case 0x04: /* Ctrl-D */
        rl_delete(rs);
        break;
    case 0x05: /* Ctrl-E */
        rs->index = rs->size;
        break;
    case 0x06: /* Ctrl-F */
        rs->index = MIN(rs->index + 1, rs->size);
        break;
    case 0x08: /* Ctrl-H */
    case 0x7f: /* DEL, what most terminals send for Backspace */
        rl_backspace(rs);
        break;
    case '\t':
        rl_complete(rs);
        break;
    case 0x0b: /* Ctrl-K */
        rs->size = rs->index;
        break;
    case 0x0e: /* Ctrl-N */
        rl_history_down(rs);
        break;
    case 0x10: /* Ctrl-P */
        rl_history_up(rs);
        break;
    case 0x15: /* Ctrl-U */
        rl_delete_range(rs, 0, rs->index);
        break;
    case 0x17: /* Ctrl-W */
        rl_kill_word(rs);
        break;
    default:
        if (ch >= 0x20 && ch < 0x7f) {
            char c = (char)ch;
            rl_insert(rs, &c, 1);
        }
        break;
    }
    readline_refresh(rs);
}
