/* Source-address allow/deny lists (IPv4 and IPv6 CIDR).
 *
 * Semantics: an address is refused if it matches any deny entry; otherwise,
 * if there is at least one allow entry, it must match one of them. An empty
 * list allows everything. IPv4-mapped IPv6 addresses are matched as IPv4. */
#ifndef RTSPGATE_NET_ACL_H
#define RTSPGATE_NET_ACL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "net/net.h"

#define ACL_MAX_ENTRIES 64

struct acl_entry {
    uint8_t family; /* 4 or 6 */
    uint8_t prefix;
    bool deny;
    uint8_t addr[16];
};

struct acl {
    size_t n;
    struct acl_entry e[ACL_MAX_ENTRIES];
};

/* Add the comma- or space-separated list "203.0.113.0/24, 2001:db8::/32, 198.51.100.7"
 * as allow (deny = false) or deny entries. Returns 0, or -EINVAL with the
 * offending item in err. */
int acl_add_list(struct acl *a, const char *list, bool deny, char *err, size_t errlen);
bool acl_permits(const struct acl *a, const struct net_addr *peer);
bool acl_empty(const struct acl *a);

#endif
