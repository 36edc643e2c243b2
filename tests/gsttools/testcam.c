/* testcam: a small IP camera for the integration tests, built on
 * gst-rtsp-server. A live test pattern (and optionally AAC audio) served at
 * rtsp://127.0.0.1:PORT/PATH.
 *
 *   testcam [--port N] [--path P] [--codec h264|h265|mjpeg] [--audio|--no-audio]
 *           [--udp-only] [--tcp-only] [--user U --password P] [--bind ADDR]
 *
 * --port 0 picks a free port. Once listening it prints
 *   testcam listening on rtsp://127.0.0.1:PORT/PATH
 * on stdout and stderr. --udp-only is the "cheap camera": interleaved SETUPs
 * are answered 461 (--tcp-only: the reverse). --user/--password require
 * Digest authentication. --session-timeout S: sessions time out after S
 * seconds without a keepalive (and say so in the Session header).
 * --multicast GROUP: RTP/AVP;multicast
 * SETUPs are served from GROUP (an IPv4 address, ports 45000-45010, TTL 1) as
 * well as unicast. */
#include <glib-unix.h>
#include <gst/gst.h>
#include <gst/rtsp-server/rtsp-server.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void usage(void)
{
    fprintf(stderr, "usage: testcam [--port N] [--path P] [--codec h264|h265|mjpeg] "
                    "[--audio|--no-audio] [--udp-only] [--tcp-only] [--user U --password P] "
                    "[--bind ADDR] [--width W --height H --fps F] [--session-timeout S] "
                    "[--multicast GROUP]\n");
    exit(2);
}

static int session_timeout = 0;

static void on_new_session(GstRTSPClient *client, GstRTSPSession *session, gpointer user)
{
    (void)client;
    (void)user;
    if (session_timeout > 0)
        gst_rtsp_session_set_timeout(session, (guint)session_timeout);
}

static void on_client(GstRTSPServer *server, GstRTSPClient *client, gpointer user)
{
    (void)server;
    (void)user;
    g_signal_connect(client, "new-session", G_CALLBACK(on_new_session), NULL);
}

static gboolean on_sigterm(gpointer loop)
{
    g_main_loop_quit(loop);
    return G_SOURCE_REMOVE;
}

int main(int argc, char **argv)
{
    const char *port = "0", *path = "test", *codec = "h264", *user = NULL, *password = NULL;
    const char *bind = "127.0.0.1";
    int audio = 1, udp_only = 0, tcp_only = 0;
    const char *mcast = NULL;
    int width = 640, height = 360, fps = 30;
    gst_init(&argc, &argv);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--port") && v)
            port = argv[++i];
        else if (!strcmp(a, "--path") && v)
            path = argv[++i];
        else if (!strcmp(a, "--codec") && v)
            codec = argv[++i];
        else if (!strcmp(a, "--audio"))
            audio = 1;
        else if (!strcmp(a, "--no-audio"))
            audio = 0;
        else if (!strcmp(a, "--udp-only"))
            udp_only = 1;
        else if (!strcmp(a, "--tcp-only"))
            tcp_only = 1;
        else if (!strcmp(a, "--multicast") && v)
            mcast = argv[++i];
        else if (!strcmp(a, "--user") && v)
            user = argv[++i];
        else if (!strcmp(a, "--password") && v)
            password = argv[++i];
        else if (!strcmp(a, "--bind") && v)
            bind = argv[++i];
        else if (!strcmp(a, "--width") && v)
            width = (int)g_ascii_strtoll(argv[++i], NULL, 10);
        else if (!strcmp(a, "--height") && v)
            height = (int)g_ascii_strtoll(argv[++i], NULL, 10);
        else if (!strcmp(a, "--session-timeout") && v)
            session_timeout = (int)g_ascii_strtoll(argv[++i], NULL, 10);
        else if (!strcmp(a, "--fps") && v)
            fps = (int)g_ascii_strtoll(argv[++i], NULL, 10);
        else
            usage();
    }
    if (width <= 0 || height <= 0 || fps <= 0 || (user && !password) || (!user && password))
        usage();

    const char *venc;
    if (!strcmp(codec, "h264"))
        venc = "x264enc tune=zerolatency speed-preset=ultrafast key-int-max=30 bitrate=800 ! "
               "video/x-h264,profile=baseline ! rtph264pay name=pay0 pt=96 config-interval=1";
    else if (!strcmp(codec, "h265"))
        venc = "x265enc tune=zerolatency speed-preset=ultrafast key-int-max=30 bitrate=800 ! "
               "rtph265pay name=pay0 pt=96 config-interval=1";
    else if (!strcmp(codec, "mjpeg"))
        /* I420: rtpjpegpay rejects the 4:4:4 JPEGs jpegenc makes of other formats */
        venc = "video/x-raw,format=I420 ! jpegenc quality=60 ! rtpjpegpay name=pay0 pt=26";
    else
        usage();

    gchar *launch = g_strdup_printf(
        "( videotestsrc is-live=true pattern=ball ! "
        "video/x-raw,width=%d,height=%d,framerate=%d/1 ! videoconvert ! %s %s )",
        width, height, fps, venc,
        audio ? "audiotestsrc is-live=true wave=sine freq=440 ! audioconvert ! audioresample ! "
                "audio/x-raw,rate=48000,channels=2 ! voaacenc bitrate=64000 ! "
                "rtpmp4gpay name=pay1 pt=97"
              : "");

    GMainLoop *loop = g_main_loop_new(NULL, FALSE);
    GstRTSPServer *server = gst_rtsp_server_new();
    gst_rtsp_server_set_address(server, bind);
    gst_rtsp_server_set_service(server, port);
    GstRTSPMountPoints *mounts = gst_rtsp_server_get_mount_points(server);
    GstRTSPMediaFactory *factory = gst_rtsp_media_factory_new();
    gst_rtsp_media_factory_set_launch(factory, launch);
    gst_rtsp_media_factory_set_shared(factory, TRUE);
    if (udp_only)
        gst_rtsp_media_factory_set_protocols(factory, GST_RTSP_LOWER_TRANS_UDP);
    else if (tcp_only)
        gst_rtsp_media_factory_set_protocols(factory, GST_RTSP_LOWER_TRANS_TCP);
    if (mcast) {
        GstRTSPAddressPool *pool = gst_rtsp_address_pool_new();
        if (!gst_rtsp_address_pool_add_range(pool, mcast, mcast, 45000, 45010, 1)) {
            fprintf(stderr, "testcam: --multicast %s: not a usable IPv4 multicast address\n",
                    mcast);
            return 2;
        }
        gst_rtsp_media_factory_set_address_pool(factory, pool);
        g_object_unref(pool);
    }

    if (user) {
        GstRTSPAuth *auth = gst_rtsp_auth_new();
        gst_rtsp_auth_set_supported_methods(auth, GST_RTSP_AUTH_DIGEST);
        GstRTSPToken *token =
            gst_rtsp_token_new(GST_RTSP_TOKEN_MEDIA_FACTORY_ROLE, G_TYPE_STRING, "user", NULL);
        gst_rtsp_auth_add_digest(auth, user, password, token);
        gst_rtsp_token_unref(token);
        gst_rtsp_server_set_auth(server, auth);
        g_object_unref(auth);
        gst_rtsp_media_factory_add_role(factory, "user", GST_RTSP_PERM_MEDIA_FACTORY_ACCESS,
                                        G_TYPE_BOOLEAN, TRUE, GST_RTSP_PERM_MEDIA_FACTORY_CONSTRUCT,
                                        G_TYPE_BOOLEAN, TRUE, NULL);
    }

    gchar *mount = g_strdup_printf("/%s", path);
    gst_rtsp_mount_points_add_factory(mounts, mount, factory);
    g_object_unref(mounts);

    g_signal_connect(server, "client-connected", G_CALLBACK(on_client), NULL);
    if (gst_rtsp_server_attach(server, NULL) == 0) {
        fprintf(stderr, "testcam: cannot listen on %s:%s\n", bind, port);
        return 1;
    }
    int bound = gst_rtsp_server_get_bound_port(server);
    printf("testcam listening on rtsp://%s:%d/%s\n", bind, bound, path);
    fflush(stdout);
    fprintf(stderr, "testcam listening on rtsp://%s:%d/%s (%s%s%s%s)\n", bind, bound, path, codec,
            audio ? " + AAC" : "",
            udp_only   ? ", UDP only"
            : tcp_only ? ", TCP only"
                       : "",
            user ? ", Digest auth" : "");
    fflush(stderr);
    g_unix_signal_add(15, on_sigterm, loop);
    g_unix_signal_add(2, on_sigterm, loop);
    g_main_loop_run(loop);
    g_free(mount);
    g_free(launch);
    g_object_unref(server);
    g_main_loop_unref(loop);
    return 0;
}
