# Sourced by test_gst_tcp.sh / test_gst_udp.sh with PROTO=tcp|udp.
#
# rtspsrc protocols=$PROTO; the video branch decodes H.264 to raw I420 and the
# audio branch decodes AAC to mono S16; each ends in a filesink, so the number
# of decoded frames is the file size divided by the frame size (320x240 I420 =
# 115200 bytes, one AAC frame = 1024 samples = 2048 bytes).
#
# Why not just "identity eos-after=N ! fakesink" and the EOS message: over TCP
# rtspsrc stops *every* stream as soon as one branch returns EOS (and it also
# posts EOS when the server closes the connection), so the EOS alone proves
# nothing about the other branch. Here video ends after 90 frames (eos-after=91
# lets 90 through) and audio after 300 frames (~6.4 s, i.e. after video); the
# test requires the pipeline's EOS (judged by "Got EOS from element", not by
# gst-launch's exit code) AND >= 90 decoded video frames AND >= 50 decoded
# audio frames on disk.
. "$(dirname "$0")/lib.sh"
need_cmd gst-launch-1.0
TR_UP=$(echo "$PROTO" | tr a-z A-Z)
VFRAME=$((320 * 240 * 3 / 2))
AFRAME=2048

start_server --path "test=$TESTSRC"

run_gst() {
  rm -f "$TEST_DIR/video.i420" "$TEST_DIR/audio.s16"
  timeout 25 gst-launch-1.0 -v rtspsrc location="$URL/test" protocols="$PROTO" latency=300 name=src \
    src. ! "application/x-rtp,media=video" ! rtph264depay ! h264parse ! avdec_h264 ! \
      "video/x-raw,format=I420,width=320,height=240" ! identity eos-after=91 ! filesink location="$TEST_DIR/video.i420" \
    src. ! "application/x-rtp,media=audio" ! rtpmp4gdepay ! aacparse ! avdec_aac ! \
      audioconvert ! "audio/x-raw,format=S16LE,channels=1" ! \
      identity eos-after=301 ! filesink location="$TEST_DIR/audio.s16" \
    > "$TEST_DIR/gst.out" 2>&1
}
run_gst
rc=$?
# gst-launch 1.22 races when rtspsrc adds its two pads at once from two
# threads and one "src. ! ..." branch stays unlinked ("Delayed linking
# failed", a client-side problem seen under load): one retry, said aloud.
if grep -q "Delayed linking failed" "$TEST_DIR/gst.out"; then
  echo "gst $PROTO: gst-launch 'Delayed linking failed' (client race), retrying once" >&2
  mv "$TEST_DIR/gst.out" "$TEST_DIR/gst.out.1"
  run_gst
  rc=$?
fi
vbytes=$(stat -c %s "$TEST_DIR/video.i420" 2> /dev/null || echo 0)
abytes=$(stat -c %s "$TEST_DIR/audio.s16" 2> /dev/null || echo 0)
v=$((vbytes / VFRAME))
a=$((abytes / AFRAME))
echo "gst $PROTO: exit $rc, $v video frames, $a audio frames decoded"
grep -q "Got EOS from element \"pipeline0\"" "$TEST_DIR/gst.out" ||
  fail "gst-launch rtspsrc protocols=$PROTO did not reach EOS (exit $rc); $v video, $a audio frames; tail: $(tail -n 8 "$TEST_DIR/gst.out")"
# (gst-launch -v may stop printing caps before the end, so the decoded size
# is judged from the file: whole 320x240 I420 frames only; the caps filter
# after avdec_h264 makes any other size a not-negotiated error, no EOS)
[ $((vbytes % VFRAME)) -eq 0 ] || fail "gst $PROTO: decoded video is not whole 320x240 I420 frames ($vbytes bytes)"
[ "$v" -ge 90 ] || fail "gst $PROTO: $v decoded video frames ($vbytes bytes of I420) before EOS, want >= 90"
[ "$a" -ge 50 ] || fail "gst $PROTO: $a decoded audio frames ($abytes bytes of S16 mono) before EOS, want >= 50"

wait_log "session [^ ]+ closed: .*transport=$TR_UP" 15 || fail "session close not logged within 15 s of gst-launch exiting"
check_session "$TR_UP"
stop_server
echo "gst $PROTO: ok"
