/* core/buf: the hard cap, consume, printf, and giving memory back. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "core/buf.h"

static void test_cap(void **st)
{
    (void)st;
    struct buf b;
    buf_init(&b, 1000);
    assert_int_equal(buf_append(&b, "abc", 3), 0);
    char big[1000];
    memset(big, 'x', sizeof big);
    /* 3 + 998 > 1000: refused, content unchanged */
    assert_int_equal(buf_append(&b, big, 998), -EMSGSIZE);
    assert_int_equal(b.len, 3);
    assert_memory_equal(b.data, "abc", 3);
    assert_int_equal(buf_append(&b, big, 997), 0);
    assert_int_equal(b.len, 1000);
    assert_true(b.cap <= 1000);
    assert_int_equal(buf_append(&b, "y", 1), -EMSGSIZE);
    assert_int_equal(buf_reserve(&b, (size_t)-1), -EMSGSIZE);
    buf_free(&b);
}

static void test_consume_printf(void **st)
{
    (void)st;
    struct buf b;
    buf_init(&b, 64);
    assert_int_equal(buf_printf(&b, "CSeq: %d\r\n", 42), 0);
    assert_int_equal(b.len, 10);
    buf_consume(&b, 6);
    assert_int_equal(b.len, 4);
    assert_memory_equal(b.data, "42\r\n", 4);
    /* the terminating NUL vsnprintf needs counts against the cap */
    char fill[80];
    memset(fill, 'a', sizeof fill);
    fill[59] = 0;
    assert_int_equal(buf_printf(&b, "%s", fill), 0); /* 4 + 59 + NUL = 64 */
    assert_int_equal(buf_printf(&b, "z"), -EMSGSIZE);
    buf_consume(&b, 1000);
    assert_int_equal(b.len, 0);
    buf_free(&b);
}

static void test_release(void **st)
{
    (void)st;
    struct buf b;
    buf_init(&b, 1 << 20);
    assert_int_equal(buf_reserve(&b, 16384), 0);
    assert_true(b.cap >= 16384);
    assert_int_equal(buf_append(&b, "x", 1), 0);
    buf_release_if_empty(&b, 0); /* not empty: kept */
    assert_non_null(b.data);
    buf_consume(&b, 1);
    buf_release_if_empty(&b, 1 << 20); /* small enough: kept */
    assert_non_null(b.data);
    buf_release_if_empty(&b, 1024);
    assert_null(b.data);
    assert_int_equal(b.cap, 0);
    assert_int_equal(b.max, 1 << 20); /* still usable with its cap */
    assert_int_equal(buf_append(&b, "again", 5), 0);
    assert_memory_equal(b.data, "again", 5);
    buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cap),
        cmocka_unit_test(test_consume_printf),
        cmocka_unit_test(test_release),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
