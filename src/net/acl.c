#include "net/acl.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>

#include "core/sv.h"

static int parse_item(struct sv item, struct acl_entry *e)
{
    char ip[INET6_ADDRSTRLEN + 1];
    struct sv host;
    struct sv plen = sv_split(item, '/', &host);
    if (sv_to_cstr(host, ip, sizeof ip))
        return -EINVAL;
    memset(e, 0, sizeof(*e));
    struct in6_addr a6;
    uint32_t maxp;
    if (inet_pton(AF_INET, ip, e->addr) == 1) {
        e->family = 4;
        maxp = 32;
    } else if (inet_pton(AF_INET6, ip, &a6) == 1) {
        memcpy(e->addr, &a6, 16);
        e->family = 6;
        maxp = 128;
        if (IN6_IS_ADDR_V4MAPPED(&a6)) {
            memmove(e->addr, e->addr + 12, 4);
            memset(e->addr + 4, 0, 12);
            e->family = 4;
            maxp = 32;
        }
    } else {
        return -EINVAL;
    }
    uint32_t p = maxp;
    if (plen.p && sv_parse_u32(plen, maxp, &p))
        return -EINVAL;
    e->prefix = (uint8_t)p;
    return 0;
}

int acl_add_list(struct acl *a, const char *list, bool deny, char *err, size_t errlen)
{
    struct sv rest = sv_from_cstr(list);
    while (rest.n) {
        size_t i = 0;
        while (i < rest.n && rest.p[i] != ',' && rest.p[i] != ' ' && rest.p[i] != '\t')
            i++;
        struct sv item = sv_sub(rest, 0, i);
        rest = sv_sub(rest, i < rest.n ? i + 1 : i, rest.n);
        if (!item.n)
            continue;
        if (a->n >= ACL_MAX_ENTRIES) {
            str_fmt(err, errlen, "too many entries (at most %d)", ACL_MAX_ENTRIES);
            return -EINVAL;
        }
        if (parse_item(item, &a->e[a->n])) {
            str_fmt(err, errlen, "'%.*s' is not an IP address or CIDR block", SV_ARG(item));
            return -EINVAL;
        }
        a->e[a->n].deny = deny;
        a->n++;
    }
    return 0;
}

static bool match(const struct acl_entry *e, uint8_t family, const uint8_t *addr)
{
    if (e->family != family)
        return false;
    unsigned full = e->prefix / 8, bits = e->prefix % 8;
    if (memcmp(e->addr, addr, full) != 0)
        return false;
    if (!bits)
        return true;
    uint8_t mask = (uint8_t)(0xff << (8 - bits));
    return (e->addr[full] & mask) == (addr[full] & mask);
}

bool acl_permits(const struct acl *a, const struct net_addr *peer)
{
    if (!a || !a->n)
        return true;
    uint8_t addr[16];
    uint8_t family;
    if (peer->ss.ss_family == AF_INET) {
        memcpy(addr, &((const struct sockaddr_in *)&peer->ss)->sin_addr, 4);
        family = 4;
    } else if (peer->ss.ss_family == AF_INET6) {
        const struct in6_addr *x = &((const struct sockaddr_in6 *)&peer->ss)->sin6_addr;
        if (IN6_IS_ADDR_V4MAPPED(x)) {
            memcpy(addr, &x->s6_addr[12], 4);
            family = 4;
        } else {
            memcpy(addr, x, 16);
            family = 6;
        }
    } else {
        return false;
    }
    bool any_allow = false, allowed = false;
    for (size_t i = 0; i < a->n; i++) {
        if (a->e[i].deny) {
            if (match(&a->e[i], family, addr))
                return false;
        } else {
            any_allow = true;
            if (!allowed && match(&a->e[i], family, addr))
                allowed = true;
        }
    }
    return any_allow ? allowed : true;
}

bool acl_empty(const struct acl *a)
{
    return !a || a->n == 0;
}
