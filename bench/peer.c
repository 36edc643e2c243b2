/* bench/peer: the comparison server, Debian's gst-rtsp-server relaying the
 * generator's RTP (received on a UDP port) to its viewers through one shared
 * media: udpsrc ! rtph264depay ! rtph264pay. The generator's SEI timestamps
 * pass through unchanged.
 *
 *   peer --udp-port P --port Q   (serves rtsp://127.0.0.1:Q/bench) */
#include <glib-unix.h>
#include <gst/gst.h>
#include <gst/rtsp-server/rtsp-server.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static gboolean on_sigterm(gpointer loop)
{
    g_main_loop_quit(loop);
    return G_SOURCE_REMOVE;
}

int main(int argc, char **argv)
{
    int up = 0, port = 0;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--udp-port"))
            up = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--port"))
            port = atoi(argv[i + 1]);
    }
    if (!up || !port) {
        fprintf(stderr, "usage: peer --udp-port P --port Q\n");
        return 2;
    }
    gst_init(&argc, &argv);
    GMainLoop *loop = g_main_loop_new(NULL, FALSE);
    GstRTSPServer *server = gst_rtsp_server_new();
    char svc[16];
    snprintf(svc, sizeof svc, "%d", port);
    gst_rtsp_server_set_service(server, svc);
    gst_rtsp_server_set_backlog(server, 4096);
    GstRTSPMountPoints *mounts = gst_rtsp_server_get_mount_points(server);
    GstRTSPMediaFactory *factory = gst_rtsp_media_factory_new();
    char launch[512];
    snprintf(launch, sizeof launch,
             "( udpsrc port=%d buffer-size=4194304 caps=\"application/x-rtp,media=video,"
             "encoding-name=H264,clock-rate=90000,payload=96\" ! rtph264depay ! "
             "rtph264pay name=pay0 pt=96 mtu=1400 config-interval=-1 )",
             up);
    gst_rtsp_media_factory_set_launch(factory, launch);
    gst_rtsp_media_factory_set_shared(factory, TRUE);
    gst_rtsp_mount_points_add_factory(mounts, "/bench", factory);
    g_object_unref(mounts);
    if (gst_rtsp_server_attach(server, NULL) == 0) {
        fprintf(stderr, "peer: cannot listen on %d\n", port);
        return 1;
    }
    g_unix_signal_add(SIGTERM, on_sigterm, loop);
    g_unix_signal_add(SIGINT, on_sigterm, loop);
    fprintf(stderr, "peer listening on rtsp://127.0.0.1:%d/bench\n", port);
    g_main_loop_run(loop);
    return 0;
}
