/*
 * intmix: an integer workload in the spirit of CoreMark (written from
 * scratch): each iteration walks and reorders a linked list, multiplies
 * small integer matrices, runs a character-class state machine over a
 * buffer, and folds every result into a CRC-16. Prints the final CRC as the
 * checksum. Scale with ITERATIONS.
 */
#include "test.h"

#define ITERATIONS 12000
#define LIST_NODES 96
#define MAT_N 12
#define TEXT_LEN 512

typedef struct Node {
    struct Node *next;
    int32_t key;
    int32_t val;
} Node;

static Node nodes[LIST_NODES];
static int32_t mat_a[MAT_N][MAT_N], mat_b[MAT_N][MAT_N], mat_c[MAT_N][MAT_N];
static char text[TEXT_LEN];

/* CRC-16/CCITT, bit by bit, as CoreMark folds its results. */
static uint16_t crc16_byte(uint8_t b, uint16_t crc)
{
    crc ^= (uint16_t)b << 8;
    for (int i = 0; i < 8; i++) {
        crc = (crc & 0x8000) ? (uint16_t)((crc << 1) ^ 0x1021) : (uint16_t)(crc << 1);
    }
    return crc;
}

static uint16_t crc16_u32(uint32_t v, uint16_t crc)
{
    for (int i = 0; i < 4; i++) {
        crc = crc16_byte((uint8_t)(v >> (8 * i)), crc);
    }
    return crc;
}

static uint32_t lcg(uint32_t *s)
{
    *s = *s * 1103515245u + 12345u;
    return *s >> 8;
}

static Node *list_init(uint32_t seed)
{
    Node *head = NULL;

    for (int i = LIST_NODES - 1; i >= 0; i--) {
        nodes[i].key = (int32_t)(lcg(&seed) & 0xffff);
        nodes[i].val = (int32_t)(lcg(&seed) & 0xff);
        nodes[i].next = head;
        head = &nodes[i];
    }
    return head;
}

static Node *list_reverse(Node *head)
{
    Node *prev = NULL;

    while (head) {
        Node *next = head->next;
        head->next = prev;
        prev = head;
        head = next;
    }
    return prev;
}

static Node *list_find(Node *head, int32_t key)
{
    while (head && head->key != key) {
        head = head->next;
    }
    return head;
}

/* Bottom-up merge sort on the list, by key or by val. */
static Node *list_sort(Node *list, int by_val)
{
    for (int width = 1;; width *= 2) {
        Node *p = list, *tail = NULL;
        int merges = 0;

        list = NULL;
        while (p) {
            Node *q = p;
            int psize = 0, qsize = width;

            merges++;
            for (int i = 0; i < width && q; i++) {
                psize++;
                q = q->next;
            }
            while (psize > 0 || (qsize > 0 && q)) {
                Node *e;
                if (psize == 0) {
                    e = q, q = q->next, qsize--;
                } else if (qsize == 0 || !q) {
                    e = p, p = p->next, psize--;
                } else if ((by_val ? p->val - q->val : p->key - q->key) <= 0) {
                    e = p, p = p->next, psize--;
                } else {
                    e = q, q = q->next, qsize--;
                }
                if (tail) {
                    tail->next = e;
                } else {
                    list = e;
                }
                tail = e;
            }
            p = q;
        }
        tail->next = NULL;
        if (merges <= 1) {
            return list;
        }
    }
}

static uint16_t bench_list(Node **headp, int iter, uint16_t crc)
{
    Node *head = *headp;
    int found = 0, missed = 0;

    for (int i = 0; i < 8; i++) {
        Node *n = list_find(head, (int32_t)((iter * 7 + i * 131) & 0xffff));
        if (n) {
            found++;
            n->val = (n->val + 1) & 0xff;
        } else {
            missed++;
        }
    }
    head = list_sort(head, iter & 1);
    head = list_reverse(head);
    for (Node *n = head; n; n = n->next) {
        crc = crc16_byte((uint8_t)n->val, crc);
    }
    head = list_sort(head, 0);
    crc = crc16_u32((uint32_t)(found * 256 + missed), crc);
    *headp = head;
    return crc;
}

static uint16_t bench_matrix(int iter, uint16_t crc)
{
    int32_t k = (int32_t)(iter & 0x3f) - 20;
    int64_t sum = 0;

    for (int i = 0; i < MAT_N; i++) {
        for (int j = 0; j < MAT_N; j++) {
            mat_a[i][j] += k;
        }
    }
    for (int i = 0; i < MAT_N; i++) {
        for (int j = 0; j < MAT_N; j++) {
            int32_t acc = 0;
            for (int x = 0; x < MAT_N; x++) {
                acc += mat_a[i][x] * mat_b[x][j];
            }
            mat_c[i][j] = acc;
            sum += acc > 1000 ? (acc >> 3) : acc;
        }
    }
    for (int i = 0; i < MAT_N; i++) {
        for (int j = 0; j < MAT_N; j++) {
            mat_a[i][j] -= k;
        }
    }
    return crc16_u32((uint32_t)sum ^ (uint32_t)(sum >> 32), crc);
}

enum { ST_START, ST_INT, ST_FRAC, ST_EXP, ST_EXP_SIGN, ST_EXP_INT, ST_WORD, ST_BAD, ST_COUNT };

/* Classify whitespace-separated tokens: integers, decimals, exponents, words, junk. */
static uint16_t bench_state(int iter, uint16_t crc)
{
    unsigned counts[ST_COUNT] = {0};
    int state = ST_START;

    text[iter % TEXT_LEN] ^= 0x01; /* a different input each time */
    for (int i = 0; i < TEXT_LEN; i++) {
        char c = text[i];
        int digit = c >= '0' && c <= '9', alpha = (c | 0x20) >= 'a' && (c | 0x20) <= 'z';

        if (c == ' ' || c == ',') {
            counts[state]++;
            state = ST_START;
            continue;
        }
        switch (state) {
        case ST_START:
            state = digit ? ST_INT : alpha ? ST_WORD : ST_BAD;
            break;
        case ST_INT:
            state = digit ? ST_INT : c == '.' ? ST_FRAC : (c | 0x20) == 'e' ? ST_EXP : ST_BAD;
            break;
        case ST_FRAC:
            state = digit ? ST_FRAC : (c | 0x20) == 'e' ? ST_EXP : ST_BAD;
            break;
        case ST_EXP:
            state = digit ? ST_EXP_INT : (c == '+' || c == '-') ? ST_EXP_SIGN : ST_BAD;
            break;
        case ST_EXP_SIGN:
        case ST_EXP_INT:
            state = digit ? ST_EXP_INT : ST_BAD;
            break;
        case ST_WORD:
            state = alpha || digit ? ST_WORD : ST_BAD;
            break;
        default:
            break;
        }
    }
    counts[state]++;
    for (int s = 0; s < ST_COUNT; s++) {
        crc = crc16_u32(counts[s], crc);
    }
    return crc;
}

static void init_data(void)
{
    static const char *const words[] = {"127", "3.25", "6e5", "-7", "1e+3", "mimic", "x9",
                                        "0.5E-2", "++", "42", "tcg", "9.", "abc1"};
    uint32_t seed = 0x1234;
    int pos = 0;

    for (int i = 0; i < MAT_N; i++) {
        for (int j = 0; j < MAT_N; j++) {
            mat_a[i][j] = (int32_t)(lcg(&seed) % 200) - 100;
            mat_b[i][j] = (int32_t)(lcg(&seed) % 50) - 25;
        }
    }
    while (pos < TEXT_LEN) {
        const char *w = words[lcg(&seed) % (sizeof(words) / sizeof(words[0]))];
        while (*w && pos < TEXT_LEN) {
            text[pos++] = *w++;
        }
        if (pos < TEXT_LEN) {
            text[pos++] = (lcg(&seed) & 3) ? ' ' : ',';
        }
    }
}

int main(void)
{
    Node *head = list_init(0xc0ffee);
    uint16_t crc = 0xffff;

    init_data();
    for (int iter = 0; iter < ITERATIONS; iter++) {
        crc = bench_list(&head, iter, crc);
        crc = bench_matrix(iter, crc);
        crc = bench_state(iter, crc);
    }
    printf("intmix: %d iterations, checksum %04x\n", ITERATIONS, crc);
    return 0;
}
