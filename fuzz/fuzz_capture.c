/* libFuzzer: the pure capture analysis without libpcap: the first byte picks
 * the link type, then records [flags:1][seq:2][ts:4][len:2][frame:len]
 * (fuzz/records.h) are fed as captured frames; ts (milliseconds, added to a
 * running clock) and flags bit 1 (frame cut by a snap length) vary the
 * timing and the original length. Afterwards the analysis must be
 * consistent. */
#include <stdlib.h>
#include <string.h>

#include "capture/analyze.h"
#include "records.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const int links[] = {CAP_LINK_RAW_FILE, CAP_LINK_ETHERNET, CAP_LINK_SLL,
                                CAP_LINK_SLL2,     CAP_LINK_NULL,     CAP_LINK_IPV6};
    if (size < 1)
        return 0;
    struct cap_analysis *a = cap_analysis_new(links[data[0] % 6]);
    if (!a)
        return 0;
    size_t off = 1;
    struct fuzz_rec r;
    uint64_t t = 1000000;
    while (fuzz_next_rec(data, size, &off, &r)) {
        t += r.ts % 5000 * 1000;
        size_t len = r.len + ((r.seq & 1) ? r.seq % 1500 : 0);
        cap_analysis_packet(a, t, r.payload, r.len, len);
    }
    cap_analysis_finish(a);
    for (size_t i = 0; i < a->n_convs; i++) {
        const struct cap_conv *c = a->convs[i];
        if (c->n_ex > CAP_MAX_EXCHANGES || c->n_setups > CAP_MAX_SETUPS ||
            c->n_chans > CAP_MAX_CHANNELS || strlen(c->verdict) >= sizeof c->verdict)
            abort();
        if (c->delivered && !a->any_delivered)
            abort();
        for (size_t k = 0; k < c->n_setups; k++)
            if (c->setups[k].exchange >= c->n_ex)
                abort();
    }
    cap_analysis_free(a);
    return 0;
}
