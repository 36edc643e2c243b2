# Helpers for the pull tests (sourced after lib.sh).
#
#   pull_bg NAME ARGS...   run "$RTSPGATE" pull ARGS in the background; stderr in
#                          $TEST_DIR/NAME.log; sets PULL_PID
#   pull_wait PID SECS     wait for it; sets PULL_RC (124 when it had to be killed)
#   check_recording FILE DURATION FPS [VCODEC] [ACODEC]
#                          ffprobe: the codecs; ffmpeg decodes it: video frames
#                          within 10 % of DURATION*FPS (at most one more), some
#                          audio starting within 0.25 s of the video; the
#                          container duration within 0.2 s of DURATION

pull_bg() {
  local name=$1
  shift
  "$RTSPGATE" pull "$@" 2> "$TEST_DIR/$name.log" &
  PULL_PID=$!
  track_pid "$PULL_PID"
}

pull_wait() {
  local pid=$1 secs=$2 i
  for i in $(seq $((secs * 10))); do
    kill -0 "$pid" 2> /dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2> /dev/null; then
    kill -KILL "$pid" 2> /dev/null
    wait "$pid" 2> /dev/null
    PULL_RC=124
    return
  fi
  wait "$pid"
  PULL_RC=$?
}

check_recording() {
  local f=$1 dur=$2 fps=$3 vc=${4:-h264} ac=${5-aac}
  [ -s "$f" ] || fail "$f: missing or empty"
  local codecs
  codecs=$(ffprobe -v error -show_entries stream=index,codec_name -of csv=p=0 "$f" | sort -u |
    cut -d, -f2 | grep . | sort | tr '\n' ' ')
  local want
  want=$(printf '%s\n' "$vc" ${ac:+"$ac"} | sort | tr '\n' ' ')
  [ "$codecs" = "$want" ] || fail "$f: codecs '$codecs', want '$want'"
  local d
  d=$(ffprobe -v error -show_entries format=duration -of csv=p=0 "$f")
  awk -v d="$d" -v w="$dur" 'BEGIN { e = d - w; if (e < 0) e = -e; exit !(d != "" && e <= 0.2) }' ||
    fail "$f: duration '$d', want $dur +- 0.2 s"
  ffmpeg -nostdin -v error -i "$f" -f framecrc - > "$f.crc" 2> "$f.err" || fail "$f: ffmpeg cannot decode it: $(tail -3 "$f.err")"
  local vidx=0 aidx=1
  grep -q "^#media_type 0: audio" "$f.crc" && { vidx=1; aidx=0; }
  local v a
  v=$(count_frames "$f.crc" $vidx)
  a=$(count_frames "$f.crc" $aidx)
  local lo hi
  lo=$(awk -v d="$dur" -v f="$fps" 'BEGIN { printf "%d", d * f * 0.9 }')
  hi=$(awk -v d="$dur" -v f="$fps" 'BEGIN { printf "%d", d * f + 1 }')
  echo "$f: $codecs duration $d s, $v video frames, $a audio frames"
  [ "$v" -ge "$lo" ] && [ "$v" -le "$hi" ] || fail "$f: $v video frames, want $lo..$hi"
  if [ -n "$ac" ]; then
    [ "$a" -gt 0 ] || fail "$f: no audio frames decoded"
    local vs as
    vs=$(ffprobe -v error -select_streams v:0 -show_entries stream=start_time -of csv=p=0 "$f" | head -1)
    as=$(ffprobe -v error -select_streams a:0 -show_entries stream=start_time -of csv=p=0 "$f" | head -1)
    awk -v v="$vs" -v a="$as" 'BEGIN { e = a - v; if (e < 0) e = -e; exit !(v != "" && a != "" && e <= 0.25) }' ||
      fail "$f: audio starts at $as s, video at $vs s: not on one timeline"
  fi
  return 0
}
