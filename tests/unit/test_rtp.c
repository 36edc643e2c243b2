/* RTP fixed header (RFC 3550 5.1): parse with CSRCs, extension and padding,
 * write, rewrite, sequence arithmetic. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "rtp/rtp.h"

static void test_parse_table(void **st)
{
    (void)st;
    static const struct {
        const char *name;
        uint8_t p[40];
        size_t n;
        int ret;
        size_t header_len, payload_len;
        uint8_t csrc_count;
        bool ext, marker;
    } t[] = {
        {"plain H.264 from a camera",
         {0x80, 0xe0, 0x12, 0x34, 0, 1, 0x5f, 0x90, 0xde, 0xad, 0xbe, 0xef, 0x65, 0x88},
         14,
         0,
         12,
         2,
         0,
         false,
         true},
        {"no payload", {0x80, 0x60, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1}, 12, 0, 12, 0, 0, false, false},
        {"two CSRCs",
         {0x82, 0x08, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 2, 2, 2, 2, 0xff},
         21,
         0,
         20,
         1,
         2,
         false,
         false},
        {"extension (one-byte, RFC 8285)",
         {0x90, 0x60, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0xbe, 0xde, 0, 1, 0x10, 0xaa, 0, 0, 0x41},
         21,
         0,
         20,
         1,
         0,
         true,
         false},
        {"CSRC and empty extension",
         {0x91, 0x60, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 9, 9, 9, 9, 0x10, 0x00, 0, 0, 0x41, 0x42},
         22,
         0,
         20,
         2,
         1,
         true,
         false},
        {"padding 3",
         {0xa0, 0x60, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0x41, 0x42, 0, 0, 3},
         17,
         0,
         12,
         2,
         0,
         false,
         false},
        {"padding is the whole payload",
         {0xa0, 0x60, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 4},
         16,
         0,
         12,
         0,
         0,
         false,
         false},
        {"padding count 0",
         {0xa0, 0x60, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0x41, 0},
         14,
         -EPROTO,
         0,
         0,
         0,
         false,
         false},
        {"padding past payload",
         {0xa0, 0x60, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0x41, 3},
         14,
         -EPROTO,
         0,
         0,
         0,
         false,
         false},
        {"padding bit, no payload",
         {0xa0, 0x60, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1},
         12,
         -EPROTO,
         0,
         0,
         0,
         false,
         false},
        {"version 1",
         {0x40, 0x60, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0x41},
         13,
         -EPROTO,
         0,
         0,
         0,
         false,
         false},
        {"version 0 (STUN-like)",
         {0x00, 0x01, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1},
         12,
         -EPROTO,
         0,
         0,
         0,
         false,
         false},
        {"11 bytes", {0x80, 0x60, 0, 1, 0, 0, 0, 0, 0, 0, 0}, 11, -EPROTO, 0, 0, 0, false, false},
        {"CSRCs cut",
         {0x83, 0x60, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 2, 2},
         18,
         -EPROTO,
         0,
         0,
         0,
         false,
         false},
        {"extension header cut",
         {0x90, 0x60, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0xbe, 0xde},
         14,
         -EPROTO,
         0,
         0,
         0,
         false,
         false},
        {"extension body cut",
         {0x90, 0x60, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0xbe, 0xde, 0, 2, 1, 2},
         18,
         -EPROTO,
         0,
         0,
         0,
         false,
         false},
        {"padding eats into extension",
         {0xb0, 0x60, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0xbe, 0xde, 0, 0, 0x41, 3},
         18,
         -EPROTO,
         0,
         0,
         0,
         false,
         false},
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        struct rtp_hdr h;
        int r = rtp_parse(t[i].p, t[i].n, &h);
        if (r != t[i].ret)
            fail_msg("%s: %d, want %d", t[i].name, r, t[i].ret);
        if (r)
            continue;
        if (h.header_len != t[i].header_len || h.payload_len != t[i].payload_len)
            fail_msg("%s: header %zu payload %zu", t[i].name, h.header_len, h.payload_len);
        assert_ptr_equal(h.payload, t[i].p + t[i].header_len);
        assert_int_equal(h.csrc_count, t[i].csrc_count);
        assert_int_equal(h.has_extension, t[i].ext);
        assert_int_equal(h.marker, t[i].marker);
    }
    /* every prefix of a valid packet with extension and padding either fails
     * or is read within its length */
    static const uint8_t full[] = {0xb1, 0xe0, 0xff, 0xfe, 0x12, 0x34, 0x56, 0x78, 1, 2,
                                   3,    4,    5,    6,    7,    8,    0xbe, 0xde, 0, 1,
                                   0x10, 0xaa, 0,    0,    0x41, 0x42, 0,    2};
    for (size_t n = 0; n <= sizeof full; n++) {
        struct rtp_hdr h;
        if (rtp_parse(full, n, &h) == 0) {
            assert_true(h.header_len + h.payload_len <= n);
        }
    }
    struct rtp_hdr h;
    assert_int_equal(rtp_parse(full, sizeof full, &h), 0);
    assert_int_equal(h.pt, 96);
    assert_int_equal(h.seq, 0xfffe);
    assert_int_equal(h.ts, 0x12345678);
    assert_int_equal(h.ssrc, 0x01020304);
    assert_int_equal(h.header_len, 24);
    assert_int_equal(h.payload_len, 2);
}

static void test_write_rewrite(void **st)
{
    (void)st;
    uint8_t b[RTP_HEADER_LEN + 2] = {0};
    rtp_write_header(b, true, 97, 0xabcd, 0xfedcba98, 0x11223344);
    static const uint8_t want[] = {0x80, 0xe1, 0xab, 0xcd, 0xfe, 0xdc,
                                   0xba, 0x98, 0x11, 0x22, 0x33, 0x44};
    assert_memory_equal(b, want, sizeof want);
    rtp_write_header(b, false, 200, 1, 2, 3); /* PT is 7 bits */
    assert_int_equal(b[1], 200 & 0x7f);
    b[12] = 0x41;
    b[13] = 0x9a;
    rtp_rewrite(b, 7, 9000, 0xcafebabe);
    struct rtp_hdr h;
    assert_int_equal(rtp_parse(b, sizeof b, &h), 0);
    assert_int_equal(h.seq, 7);
    assert_int_equal(h.ts, 9000);
    assert_int_equal(h.ssrc, 0xcafebabe);
    assert_false(h.marker);
    assert_int_equal(h.payload_len, 2);
    assert_int_equal(rtp_seq_of(b), 7);
    assert_int_equal(rtp_ts_of(b), 9000);
}

static void test_seq_diff(void **st)
{
    (void)st;
    static const struct {
        uint16_t a, b;
        int16_t d;
    } t[] = {{1, 2, 1},      {2, 1, -1},        {65535, 0, 1},
             {0, 65535, -1}, {65000, 100, 636}, {100, 65000, -636},
             {5, 5, 0},      {0, 32767, 32767}, {0, 32768, -32768}};
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
        assert_int_equal(rtp_seq_diff(t[i].a, t[i].b), t[i].d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_table),
        cmocka_unit_test(test_write_rewrite),
        cmocka_unit_test(test_seq_diff),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
