/* Allow/deny lists: CIDR matching for IPv4, IPv6 and v4-mapped peers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "net/acl.h"

static bool permits(const struct acl *a, const char *ip)
{
    struct net_addr x;
    assert_int_equal(net_addr_from_ip(ip, 1234, &x), 0);
    return acl_permits(a, &x);
}

static void test_allow_list(void **st)
{
    (void)st;
    struct acl a = {0};
    char err[128];
    assert_true(permits(&a, "8.8.8.8")); /* empty: everything */
    assert_int_equal(acl_add_list(&a, "203.0.113.0/24, 2001:db8::/32 198.51.100.7", false, err, sizeof err), 0);
    assert_int_equal(a.n, 3);
    assert_true(permits(&a, "203.0.113.1"));
    assert_true(permits(&a, "203.0.113.255"));
    assert_false(permits(&a, "203.0.114.1"));
    assert_true(permits(&a, "198.51.100.7"));
    assert_false(permits(&a, "198.51.100.8"));
    assert_true(permits(&a, "2001:db8:1::5"));
    assert_false(permits(&a, "2001:db9::1"));
    assert_true(permits(&a, "::ffff:203.0.113.9")); /* v4-mapped peer on a dual-stack socket */
}

static void test_deny_wins(void **st)
{
    (void)st;
    struct acl a = {0};
    char err[128];
    assert_int_equal(acl_add_list(&a, "10.0.0.0/8", false, err, sizeof err), 0);
    assert_int_equal(acl_add_list(&a, "10.1.2.0/23", true, err, sizeof err), 0);
    assert_true(permits(&a, "10.9.9.9"));
    assert_false(permits(&a, "10.1.3.200"));
    assert_true(permits(&a, "10.1.4.1"));
    struct acl d = {0};
    assert_int_equal(acl_add_list(&d, "192.0.2.66", true, err, sizeof err), 0);
    assert_false(permits(&d, "192.0.2.66"));
    assert_true(permits(&d, "192.0.2.67")); /* deny-only list lets the rest in */
    struct acl z = {0};
    assert_int_equal(acl_add_list(&z, "0.0.0.0/0", false, err, sizeof err), 0);
    assert_true(permits(&z, "1.2.3.4"));
    assert_false(permits(&z, "::1")); /* an IPv4 rule says nothing of IPv6 */
}

static void test_bad_items(void **st)
{
    (void)st;
    static const char *bad[] = {"1.2.3", "1.2.3.4/33", "2001:db8::/129", "host.example", "1.2.3.4/",
                                "1.2.3.4/x", "/24"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct acl a = {0};
        char err[128] = "";
        assert_int_not_equal(acl_add_list(&a, bad[i], false, err, sizeof err), 0);
        assert_non_null(strstr(err, "not an IP address"));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_allow_list),
        cmocka_unit_test(test_deny_wins),
        cmocka_unit_test(test_bad_items),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
