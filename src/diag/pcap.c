/* `rtspgate pcap`: see pcap.h. */
#include "diag/pcap.h"

#include <errno.h>
#include <pcap/pcap.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "capture/analyze.h"

struct readres {
    char format[8];                     /* "pcap", "pcapng" */
    char error[PCAP_ERRBUF_SIZE + 128]; /* read error after the start, "" when none */
    uint64_t error_packet;              /* 1-based number of the packet that failed */
    long error_offset;                  /* byte offset in the file, -1 unknown */
};

/* ---- text helpers ---- */

static void json_str(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            fprintf(f, "\\%c", c);
        else if (c < 0x20 || c >= 0x7f)
            fprintf(f, "\\u%04x", c);
        else
            fputc(c, f);
    }
    fputc('"', f);
}

static void json_str_or_null(FILE *f, const char *s)
{
    if (s && *s)
        json_str(f, s);
    else
        fputs("null", f);
}

static void endpoint(const struct cap_addr *a, uint16_t port, char *out, size_t cap)
{
    char s[64];
    cap_addr_str(a, s, sizeof s);
    if (a->family == 6)
        snprintf(out, cap, "[%s]:%u", s, port);
    else
        snprintf(out, cap, "%s:%u", s, port);
}

static const char *transport_kind(const struct cap_setup *s)
{
    return s->tcp ? "tcp" : s->multicast ? "multicast" : s->udp ? "udp" : "unknown";
}

static const char *transport_title(const struct cap_setup *s)
{
    return s->tcp         ? "TCP interleaved"
           : s->multicast ? "RTP/UDP multicast"
           : s->udp       ? "RTP/UDP"
                          : "?";
}

/* The conversation whose verdict stands for the whole capture. */
static const struct cap_conv *main_conv(const struct cap_analysis *a)
{
    const struct cap_conv *best = NULL;
    for (size_t i = 0; i < a->n_convs; i++) {
        const struct cap_conv *c = a->convs[i];
        if (c->delivered)
            return c;
        if (!best || c->n_setups >= best->n_setups)
            best = c;
    }
    return best;
}

static size_t conv_index(const struct cap_analysis *a, const struct cap_conv *c)
{
    for (size_t i = 0; i < a->n_convs; i++)
        if (a->convs[i] == c)
            return i + 1;
    return 0;
}

static void overall(const struct cap_analysis *a, char *v, size_t vcap, char *adv, size_t acap)
{
    const struct cap_conv *m = main_conv(a);
    if (!m) {
        snprintf(v, vcap,
                 "No RTSP conversation in the capture (%llu packets, %llu TCP, %llu "
                 "UDP).",
                 (unsigned long long)a->packets, (unsigned long long)a->tcp_packets,
                 (unsigned long long)a->udp_packets);
        snprintf(adv, acap,
                 "Capture on the viewer's or the camera's host while the player connects, on "
                 "the interface the RTSP connection uses (e.g. dumpcap -i any -w FILE). RTSPS "
                 "(TLS) content cannot be read.");
        return;
    }
    if (a->n_convs == 1) {
        snprintf(v, vcap, "%s", m->verdict);
    } else {
        size_t nd = 0;
        for (size_t i = 0; i < a->n_convs; i++)
            nd += a->convs[i]->delivered;
        snprintf(v, vcap, "%zu RTSP conversations, %zu delivered media. Conversation %zu: %s",
                 a->n_convs, nd, conv_index(a, m), m->verdict);
    }
    snprintf(adv, acap, "%s", m->advice);
}

/* ---- text report ---- */

static void print_media_line(FILE *f, const char *what, const struct cap_media *m, bool video,
                             unsigned clock_rate)
{
    fprintf(f, "%s: %llu RTP packets, %llu bytes, %.0f kbit/s", what,
            (unsigned long long)m->rx.packets, (unsigned long long)m->rx.bytes, cap_media_kbps(m));
    if (video && cap_media_fps(m, clock_rate) > 0)
        fprintf(f, ", %.1f fps", cap_media_fps(m, clock_rate));
    fprintf(f, ", lost %llu, reordered %llu, duplicates %llu, RTCP %llu (SR %s, RR %s)\n",
            (unsigned long long)cap_media_lost(m), (unsigned long long)m->rx.reordered,
            (unsigned long long)m->rx.duplicates, (unsigned long long)m->rtcp_packets,
            m->rtcp_sr ? "yes" : "no", m->rtcp_rr ? "yes" : "no");
}

static void print_text(const struct cap_analysis *a, const struct pcap_opts *o,
                       const struct readres *rr, FILE *f, const char *v, const char *adv)
{
    fprintf(f, "File:      %s (%s, %s, %llu packets, %.1f s)\n", o->file, rr->format,
            cap_link_name(a->linktype), (unsigned long long)a->packets, cap_analysis_seconds(a));
    if (rr->error[0])
        fprintf(f, "Warning:   %s\n", rr->error);
    if (a->truncated)
        fprintf(f,
                "Warning:   %llu packets cut by the snap length (their payload is partly "
                "missing)\n",
                (unsigned long long)a->truncated);
    for (size_t ci = 0; ci < a->n_convs; ci++) {
        const struct cap_conv *c = a->convs[ci];
        char cl[80], sv[80];
        endpoint(&c->client, c->client_port, cl, sizeof cl);
        endpoint(&c->server, c->server_port, sv, sizeof sv);
        fprintf(f, "\nConversation %zu: %s %s -> %s", ci + 1,
                c->kind == CAP_CONV_TUNNEL ? "RTSP over HTTP tunnel" : "RTSP", cl, sv);
        fprintf(f, " (%s)\n",
                c->saw_syn      ? "whole connection"
                : c->mid_stream ? "capture began mid-stream"
                                : "capture began after the TCP handshake");
        if (c->url[0])
            fprintf(f, "  URL:        %s\n", c->url);
        if (c->server_hdr[0])
            fprintf(f, "  Server:     %s\n", c->server_hdr);
        if (c->user_agent[0])
            fprintf(f, "  User-Agent: %s\n", c->user_agent);
        for (size_t i = 0; i < c->n_tracks; i++)
            fprintf(f, "  Track %zu:    %s %s/%u%s%s\n", i, c->tracks[i].media,
                    c->tracks[i].codec[0] ? c->tracks[i].codec : "?", c->tracks[i].clock_rate,
                    c->tracks[i].control[0] ? " control=" : "", c->tracks[i].control);
        for (size_t i = 0; i < c->n_ex; i++) {
            const struct cap_exchange *x = &c->ex[i];
            const char *dir = x->from_client ? "C->S" : "S->C";
            if (x->has_request) {
                fprintf(f, "  %8.3f %s %s %s", (double)x->req_us / 1e6, dir, x->method_name,
                        x->uri);
                if (x->has_cseq)
                    fprintf(f, " CSeq %u", x->cseq);
                if (x->authorization[0])
                    fprintf(f, " [Authorization: %s]", x->authorization);
            } else {
                fprintf(f, "  %8s %s (request not in the capture)", "", dir);
                if (x->has_cseq)
                    fprintf(f, " CSeq %u", x->cseq);
            }
            if (x->answered) {
                fprintf(f, " -> %d %s", x->status, x->reason);
                if (x->has_request)
                    fprintf(f, " (%.1f ms)",
                            x->resp_us >= x->req_us ? (double)(x->resp_us - x->req_us) / 1e3 : 0);
                else
                    fprintf(f, " at %.3f", (double)x->resp_us / 1e6);
                if (x->www_authenticate[0])
                    fprintf(f, " [WWW-Authenticate: %s]", x->www_authenticate);
            } else {
                fputs(" -> no answer", f);
            }
            fputc('\n', f);
        }
        if (c->ex_dropped)
            fprintf(f, "  (%llu more requests/responses not listed)\n",
                    (unsigned long long)c->ex_dropped);
        for (size_t i = 0; i < c->n_setups; i++) {
            const struct cap_setup *s = &c->setups[i];
            const struct cap_exchange *x = &c->ex[s->exchange];
            fprintf(f, "  SETUP %s\n", s->control[0] ? s->control : "(request not captured)");
            fprintf(f, "    offered:  %s\n",
                    x->req_transport.present ? x->req_transport.text : "(not in the capture)");
            if (x->answered)
                fprintf(f, "    answered: %d %s%s%s\n", x->status, x->reason,
                        x->resp_transport.present ? ", " : "",
                        x->resp_transport.present ? x->resp_transport.text : "");
            else
                fprintf(f, "    answered: no answer\n");
            if (!s->answered_ok)
                continue;
            char what[96];
            snprintf(what, sizeof what, "    %s %s", transport_title(s),
                     (c->record ? "to the server" : "to the client"));
            print_media_line(f, what, &s->media,
                             s->track >= 0 && !strcmp(c->tracks[s->track].media, "video"),
                             s->clock_rate);
            if (s->udp && !s->tcp)
                fprintf(f, "    UDP flows matched: %u%s\n", s->media_flows,
                        s->addr_differs ? " (by port: addresses differ, NAT)" : "");
            if (s->back.datagrams)
                fprintf(f, "    the other way: %llu packets (RTCP %llu, RR %s)\n",
                        (unsigned long long)s->back.datagrams,
                        (unsigned long long)s->back.rtcp_packets, s->back.rtcp_rr ? "yes" : "no");
        }
        if (o->verbose || !c->n_setups) {
            for (size_t i = 0; i < c->n_chans; i++) {
                const struct cap_channel *ch = &c->chans[i];
                char what[64];
                snprintf(what, sizeof what, "  channel %u %s", ch->channel,
                         ch->from_server ? "S->C" : "C->S");
                print_media_line(f, what, &ch->m, false, 0);
            }
        }
        if (c->junk_bytes || c->gap_bytes)
            fprintf(f,
                    "  %llu bytes missing from the capture, %llu bytes skipped while "
                    "resynchronising\n",
                    (unsigned long long)c->gap_bytes, (unsigned long long)c->junk_bytes);
        fprintf(f, "  Verdict:  %s\n", c->verdict);
        fprintf(f, "  Advice:   %s\n", c->advice);
    }
    if (o->verbose) {
        const struct cap_udp_flow *fl[64];
        size_t nf = cap_analysis_udp_flows(a, fl, 64);
        fprintf(f, "\nUDP flows (%zu, up to 64 listed):\n", a->n_udp);
        for (size_t i = 0; i < nf; i++) {
            char s1[80], s2[80], what[200];
            endpoint(&fl[i]->src, fl[i]->sport, s1, sizeof s1);
            endpoint(&fl[i]->dst, fl[i]->dport, s2, sizeof s2);
            snprintf(what, sizeof what, "  %s -> %s%s", s1, s2,
                     fl[i]->matched ? "" : " (not negotiated in RTSP)");
            print_media_line(f, what, &fl[i]->m, false, 0);
        }
    }
    fprintf(f, "\nVerdict:   %s\n", v);
    fprintf(f, "Advice:    %s\n", adv);
}

/* ---- JSON report ---- */

static void json_media(FILE *f, const struct cap_media *m, unsigned clock_rate)
{
    fprintf(f,
            "\"rtp_packets\":%llu,\"rtp_bytes\":%llu,\"bitrate_kbps\":%.1f,\"fps\":%.2f,"
            "\"lost\":%llu,\"reordered\":%llu,\"duplicates\":%llu,\"rtcp_packets\":%llu,"
            "\"rtcp_sr\":%s,\"rtcp_rr\":%s",
            (unsigned long long)m->rx.packets, (unsigned long long)m->rx.bytes, cap_media_kbps(m),
            cap_media_fps(m, clock_rate), (unsigned long long)cap_media_lost(m),
            (unsigned long long)m->rx.reordered, (unsigned long long)m->rx.duplicates,
            (unsigned long long)m->rtcp_packets, m->rtcp_sr ? "true" : "false",
            m->rtcp_rr ? "true" : "false");
}

static void print_json(const struct cap_analysis *a, const struct pcap_opts *o,
                       const struct readres *rr, FILE *f, const char *v, const char *adv, int code)
{
    fputs("{\"file\":", f);
    json_str(f, o->file);
    fputs(",\"format\":", f);
    json_str(f, rr->format);
    fprintf(f, ",\"link_type\":%d,\"link_type_name\":", a->linktype);
    json_str(f, cap_link_name(a->linktype));
    fprintf(f,
            ",\"packets\":%llu,\"seconds\":%.3f,\"tcp_packets\":%llu,\"udp_packets\":%llu,"
            "\"truncated_packets\":%llu,\"malformed_packets\":%llu,\"file_error\":",
            (unsigned long long)a->packets, cap_analysis_seconds(a),
            (unsigned long long)a->tcp_packets, (unsigned long long)a->udp_packets,
            (unsigned long long)a->truncated, (unsigned long long)a->malformed);
    json_str_or_null(f, rr->error);
    fputs(",\"conversations\":[", f);
    for (size_t ci = 0; ci < a->n_convs; ci++) {
        const struct cap_conv *c = a->convs[ci];
        char cl[80], sv[80];
        endpoint(&c->client, c->client_port, cl, sizeof cl);
        endpoint(&c->server, c->server_port, sv, sizeof sv);
        fprintf(f, "%s{\"kind\":\"%s\",\"client\":", ci ? "," : "",
                c->kind == CAP_CONV_TUNNEL ? "http_tunnel" : "rtsp");
        json_str(f, cl);
        fputs(",\"server\":", f);
        json_str(f, sv);
        fprintf(f, ",\"whole_connection\":%s,\"mid_stream\":%s,\"url\":",
                c->saw_syn ? "true" : "false", c->mid_stream ? "true" : "false");
        json_str_or_null(f, c->url);
        fputs(",\"server_header\":", f);
        json_str_or_null(f, c->server_hdr);
        fputs(",\"user_agent\":", f);
        json_str_or_null(f, c->user_agent);
        fputs(",\"tracks\":[", f);
        for (size_t i = 0; i < c->n_tracks; i++) {
            fprintf(f, "%s{\"media\":", i ? "," : "");
            json_str(f, c->tracks[i].media);
            fputs(",\"codec\":", f);
            json_str_or_null(f, c->tracks[i].codec);
            fprintf(f, ",\"clock_rate\":%u,\"control\":", c->tracks[i].clock_rate);
            json_str_or_null(f, c->tracks[i].control);
            fputc('}', f);
        }
        fputs("],\"exchanges\":[", f);
        for (size_t i = 0; i < c->n_ex; i++) {
            const struct cap_exchange *x = &c->ex[i];
            fprintf(f, "%s{\"direction\":\"%s\",\"method\":", i ? "," : "",
                    x->from_client ? "c2s" : "s2c");
            json_str_or_null(f, x->has_request ? x->method_name : NULL);
            fputs(",\"uri\":", f);
            json_str_or_null(f, x->has_request ? x->uri : NULL);
            if (x->has_cseq)
                fprintf(f, ",\"cseq\":%u", x->cseq);
            else
                fputs(",\"cseq\":null", f);
            if (x->has_request)
                fprintf(f, ",\"t_request\":%.6f", (double)x->req_us / 1e6);
            else
                fputs(",\"t_request\":null", f);
            fputs(",\"authorization\":", f);
            json_str_or_null(f, x->authorization);
            if (x->answered) {
                fprintf(f, ",\"status\":%d,\"reason\":", x->status);
                json_str(f, x->reason);
                fprintf(f, ",\"t_response\":%.6f", (double)x->resp_us / 1e6);
            } else {
                fputs(",\"status\":null,\"reason\":null,\"t_response\":null", f);
            }
            fputs(",\"www_authenticate\":", f);
            json_str_or_null(f, x->www_authenticate);
            fputc('}', f);
        }
        fputs("],\"setups\":[", f);
        for (size_t i = 0; i < c->n_setups; i++) {
            const struct cap_setup *s = &c->setups[i];
            const struct cap_exchange *x = &c->ex[s->exchange];
            fprintf(f, "%s{\"control\":", i ? "," : "");
            json_str_or_null(f, s->control);
            fprintf(f, ",\"transport\":\"%s\",\"status\":", transport_kind(s));
            if (x->answered)
                fprintf(f, "%d", x->status);
            else
                fputs("null", f);
            fputs(",\"offered\":", f);
            json_str_or_null(f, x->req_transport.present ? x->req_transport.text : NULL);
            fputs(",\"answered\":", f);
            json_str_or_null(f, x->resp_transport.present ? x->resp_transport.text : NULL);
            fprintf(f, ",\"udp_flows\":%u,\"nat\":%s,\"media\":{", s->media_flows,
                    s->addr_differs ? "true" : "false");
            json_media(f, &s->media, s->clock_rate);
            fprintf(f, "},\"reverse_packets\":%llu,\"reverse_rtcp_rr\":%s}",
                    (unsigned long long)s->back.datagrams, s->back.rtcp_rr ? "true" : "false");
        }
        fputs("],\"channels\":[", f);
        for (size_t i = 0; i < c->n_chans; i++) {
            const struct cap_channel *ch = &c->chans[i];
            fprintf(f, "%s{\"channel\":%u,\"direction\":\"%s\",", i ? "," : "", ch->channel,
                    ch->from_server ? "s2c" : "c2s");
            json_media(f, &ch->m, 0);
            fputc('}', f);
        }
        fprintf(f,
                "],\"play_status\":%d,\"gap_bytes\":%llu,\"junk_bytes\":%llu,\"delivered\":%s,"
                "\"verdict\":",
                c->play_status, (unsigned long long)c->gap_bytes, (unsigned long long)c->junk_bytes,
                c->delivered ? "true" : "false");
        json_str(f, c->verdict);
        fputs(",\"advice\":", f);
        json_str(f, c->advice);
        fputc('}', f);
    }
    fputs("],\"verdict\":", f);
    json_str(f, v);
    fputs(",\"advice\":", f);
    json_str(f, adv);
    fprintf(f, ",\"exit_status\":%d}\n", code);
}

/* ---- reading ---- */

int pcap_report_fp(FILE *fp, const char *name, const struct pcap_opts *o, FILE *out, FILE *err)
{
    struct readres rr;
    memset(&rr, 0, sizeof rr);
    rr.error_offset = -1;
    uint8_t magic[4] = {0};
    size_t got = fread(magic, 1, 4, fp);
    if (got == 4 && magic[0] == 0x0a && magic[1] == 0x0d && magic[2] == 0x0d && magic[3] == 0x0a)
        snprintf(rr.format, sizeof rr.format, "pcapng");
    else
        snprintf(rr.format, sizeof rr.format, "pcap");
    if (fseek(fp, 0, SEEK_SET)) {
        fprintf(err, "rtspgate pcap: %s: cannot seek: %s\n", name, strerror(errno));
        fclose(fp);
        return 2;
    }
    if (got < 4) {
        fprintf(err, "rtspgate pcap: %s: not a capture file: %s\n", name,
                got ? "shorter than a file header" : "empty");
        fclose(fp);
        return 2;
    }
    char ebuf[PCAP_ERRBUF_SIZE] = "";
    pcap_t *pc = pcap_fopen_offline_with_tstamp_precision(fp, PCAP_TSTAMP_PRECISION_MICRO, ebuf);
    if (!pc) {
        fprintf(err, "rtspgate pcap: %s: not a readable pcap or pcapng file: %s\n", name,
                ebuf[0] ? ebuf : "unknown error");
        fclose(fp);
        return 2;
    }
    int lt = pcap_datalink(pc);
    if (!cap_link_supported(lt)) {
        const char *dn = pcap_datalink_val_to_name(lt);
        fprintf(err,
                "rtspgate pcap: %s: link type %d (%s) is not supported: capture on an Ethernet, "
                "loopback or 'any' interface (Linux cooked), or raw IP\n",
                name, lt, dn ? dn : "unknown");
        pcap_close(pc);
        return 2;
    }
    struct cap_analysis *a = cap_analysis_new(lt);
    if (!a) {
        fprintf(err, "rtspgate pcap: out of memory\n");
        pcap_close(pc);
        return 2;
    }
    struct pcap_pkthdr *h;
    const u_char *data;
    int r;
    uint64_t n = 0;
    FILE *pf = pcap_file(pc);
    long rec_off = pf ? ftell(pf) : -1; /* where the next record starts */
    while ((r = pcap_next_ex(pc, &h, &data)) == 1) {
        n++;
        rec_off = pf ? ftell(pf) : -1;
        uint64_t ts = (uint64_t)h->ts.tv_sec * 1000000u + (uint64_t)h->ts.tv_usec;
        if (h->ts.tv_sec < 0)
            ts = 0;
        cap_analysis_packet(a, ts, data, h->caplen, h->len);
    }
    if (r == PCAP_ERROR) {
        rr.error_packet = n + 1;
        rr.error_offset = rec_off;
        char where[64] = "";
        if (rr.error_offset >= 0)
            snprintf(where, sizeof where, " (its record starts at file offset %ld)",
                     rr.error_offset);
        snprintf(rr.error, sizeof rr.error, "%s: damaged at packet %llu%s: %s", name,
                 (unsigned long long)rr.error_packet, where, pcap_geterr(pc));
    }
    pcap_close(pc);
    cap_analysis_finish(a);
    int code = a->any_delivered ? 0 : 1;
    if (rr.error[0] && !a->n_convs) {
        /* nothing usable: an error */
        code = 2;
        fprintf(err,
                "rtspgate pcap: %s; nothing usable before the damage (no RTSP conversation in "
                "the %llu packets read)\n",
                rr.error, (unsigned long long)n);
    } else if (rr.error[0]) {
        fprintf(err, "rtspgate pcap: warning: %s; analysed the %llu packets before it\n", rr.error,
                (unsigned long long)n);
        size_t l = strlen(rr.error);
        snprintf(rr.error + l, sizeof rr.error - l, "; analysed the %llu packets before it",
                 (unsigned long long)n);
    }
    if (code != 2 || o->json) {
        char v[2048], adv[700];
        overall(a, v, sizeof v, adv, sizeof adv);
        if (o->json)
            print_json(a, o, &rr, out, v, adv, code);
        else
            print_text(a, o, &rr, out, v, adv);
    }
    cap_analysis_free(a);
    return code;
}

int pcap_report(const struct pcap_opts *o, FILE *out, FILE *err)
{
    FILE *fp = fopen(o->file, "rb");
    if (!fp) {
        fprintf(err, "rtspgate pcap: %s: %s\n", o->file, strerror(errno));
        return 2;
    }
    return pcap_report_fp(fp, o->file, o, out, err);
}
