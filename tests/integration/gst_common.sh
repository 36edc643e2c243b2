# Sourced by test_gst_tcp.sh / test_gst_udp.sh with PROTO=tcp|udp.
# rtspsrc protocols=$PROTO; the video branch decodes H.264 and goes EOS after
# 90 decoded frames (identity eos-after=91), the audio branch decodes AAC and
# goes EOS after 50 frames; the pipeline must report EOS and each fakesink
# must have seen the frames. Judged by the EOS message and the counts, not by
# gst-launch's exit code.
. "$(dirname "$0")/lib.sh"
need_cmd gst-launch-1.0
TR_UP=$(echo "$PROTO" | tr a-z A-Z)

start_server --path "test=$TESTSRC"

timeout 60 gst-launch-1.0 -v rtspsrc location="$URL/test" protocols="$PROTO" latency=300 name=src \
  src. ! "application/x-rtp,media=video" ! rtph264depay ! h264parse ! avdec_h264 ! \
    identity eos-after=91 ! fakesink name=vsink silent=false sync=false \
  src. ! "application/x-rtp,media=audio" ! rtpmp4gdepay ! aacparse ! avdec_aac ! \
    identity eos-after=51 ! fakesink name=asink silent=false sync=false \
  > "$TEST_DIR/gst.out" 2>&1
rc=$?
v=$(grep -c "GstFakeSink:vsink: last-message = chain" "$TEST_DIR/gst.out")
a=$(grep -c "GstFakeSink:asink: last-message = chain" "$TEST_DIR/gst.out")
echo "gst $PROTO: exit $rc, $v video frames, $a audio frames"
grep -q "Got EOS from element \"pipeline0\"" "$TEST_DIR/gst.out" ||
  fail "gst-launch rtspsrc protocols=$PROTO did not reach EOS (exit $rc); $v video, $a audio frames; tail: $(grep -v last-message "$TEST_DIR/gst.out" | tail -n 8)"
# identity eos-after=N lets N-1 buffers through before it sends EOS, so the
# pipeline's EOS proves >= 90 decoded video and >= 50 decoded audio frames.
# The -v last-message lines are a second count; gst-launch may stop reading
# the bus before it has printed them all, so they only need to show frames.
[ "$v" -ge 1 ] || fail "gst $PROTO: no decoded video frame reached the sink"
[ "$a" -ge 1 ] || fail "gst $PROTO: no decoded audio frame reached the sink"
grep -q "width=(int)320, height=(int)240" "$TEST_DIR/gst.out" || fail "gst $PROTO: decoded video is not 320x240"

wait_log "session [^ ]+ closed: .*transport=$TR_UP" 15 || fail "session close not logged within 15 s of gst-launch exiting"
check_session "$TR_UP"
stop_server
echo "gst $PROTO: ok"
