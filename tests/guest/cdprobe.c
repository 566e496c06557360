/*
 * cdprobe: what a Linux guest sees of an optical drive, as machine-readable lines on stdout.
 * Built static (gcc -static -O2 cdprobe.c) into the initramfs of tests/_linux_cd_guest.ts.
 *
 * Usage: cdprobe DEVICE [audio:TRACK:FRAMES] [wait-change]
 *
 * Every line starts with "CDPROBE ":
 *   CDPROBE TOC first=F last=L
 *   CDPROBE TRACK n=N ctrl=C adr=A lba=X          (one per track, then the lead-out as n=170)
 *   CDPROBE AUDIO track=T frames=N fnv1a64=HEX16  (audio:T:N: FNV-1a 64 of N raw 2352-byte frames)
 *   CDPROBE STATUS NAME                           (wait-change: each drive status change)
 *   CDPROBE EVENT media-changed                   (wait-change: CDROM_MEDIA_CHANGED reported a change)
 *   CDPROBE CHANGED                               (wait-change: a disc is back after being absent;
 *                                                  the TOC lines are printed again before it)
 *   CDPROBE ERROR WHAT errno=E (STRERROR)         (then exit status 1)
 *   CDPROBE DONE                                  (successful end, exit status 0)
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/cdrom.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#define RAW_FRAME 2352
#define OPEN_WAIT_MS 30000
#define CHANGE_WAIT_MS 120000
#define POLL_MS 200

static int fd = -1;

static void sleep_ms(int ms) {
  struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
  while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
  }
}

static void fail(const char *what, int err) {
  printf("CDPROBE ERROR %s errno=%d (%s)\n", what, err, strerror(err));
  fflush(stdout);
  exit(1);
}

static const char *status_name(int status) {
  switch (status) {
  case CDS_NO_INFO:
    return "CDS_NO_INFO";
  case CDS_NO_DISC:
    return "CDS_NO_DISC";
  case CDS_TRAY_OPEN:
    return "CDS_TRAY_OPEN";
  case CDS_DRIVE_NOT_READY:
    return "CDS_DRIVE_NOT_READY";
  case CDS_DISC_OK:
    return "CDS_DISC_OK";
  default:
    return "CDS_UNKNOWN";
  }
}

/* Reads the TOC header and entry `track` (CDROM_LEADOUT allowed); returns its LBA. */
static int read_entry(int track, struct cdrom_tocentry *entry) {
  memset(entry, 0, sizeof *entry);
  entry->cdte_track = (unsigned char)track;
  entry->cdte_format = CDROM_LBA;
  return ioctl(fd, CDROMREADTOCENTRY, entry);
}

/* Prints the TOC lines; fills first/last. Exits on failure. */
static void print_toc(int *first, int *last) {
  struct cdrom_tochdr hdr;
  struct cdrom_tocentry entry;
  if (ioctl(fd, CDROMREADTOCHDR, &hdr) != 0) fail("tochdr", errno);
  printf("CDPROBE TOC first=%d last=%d\n", hdr.cdth_trk0, hdr.cdth_trk1);
  for (int t = hdr.cdth_trk0; t <= hdr.cdth_trk1; t++) {
    if (read_entry(t, &entry) != 0) fail("tocentry", errno);
    printf("CDPROBE TRACK n=%d ctrl=%d adr=%d lba=%d\n", t, entry.cdte_ctrl, entry.cdte_adr,
           entry.cdte_addr.lba);
  }
  if (read_entry(CDROM_LEADOUT, &entry) != 0) fail("tocentry", errno);
  printf("CDPROBE TRACK n=%d ctrl=%d adr=%d lba=%d\n", CDROM_LEADOUT, entry.cdte_ctrl, entry.cdte_adr,
         entry.cdte_addr.lba);
  fflush(stdout);
  if (first) *first = hdr.cdth_trk0;
  if (last) *last = hdr.cdth_trk1;
}

static void read_audio(int track, int frames) {
  struct cdrom_tocentry entry;
  if (read_entry(track, &entry) != 0) fail("audio-track", errno);
  static unsigned char buf[CD_FRAMES * RAW_FRAME];
  uint64_t hash = 0xcbf29ce484222325ULL;
  int lba = entry.cdte_addr.lba;
  for (int done = 0; done < frames;) {
    int n = frames - done < CD_FRAMES ? frames - done : CD_FRAMES;
    struct cdrom_read_audio ra;
    memset(&ra, 0, sizeof ra);
    ra.addr.lba = lba + done;
    ra.addr_format = CDROM_LBA;
    ra.nframes = n;
    ra.buf = buf;
    if (ioctl(fd, CDROMREADAUDIO, &ra) != 0) fail("audio", errno);
    for (size_t i = 0; i < (size_t)n * RAW_FRAME; i++) {
      hash ^= buf[i];
      hash *= 0x100000001b3ULL;
    }
    done += n;
  }
  printf("CDPROBE AUDIO track=%d frames=%d fnv1a64=%016llx\n", track, frames, (unsigned long long)hash);
  fflush(stdout);
}

static void wait_change(void) {
  int last_status = -1000;
  int absent = 0;
  (void)ioctl(fd, CDROM_MEDIA_CHANGED, CDSL_CURRENT); /* drain the change seen at open/boot */
  for (int waited = 0; waited <= CHANGE_WAIT_MS; waited += POLL_MS) {
    int changed = ioctl(fd, CDROM_MEDIA_CHANGED, CDSL_CURRENT);
    if (changed > 0) {
      printf("CDPROBE EVENT media-changed\n");
      absent = 1;
    }
    int status = ioctl(fd, CDROM_DRIVE_STATUS, CDSL_CURRENT);
    if (status < 0) fail("drive-status", errno);
    if (status != last_status) {
      printf("CDPROBE STATUS %s\n", status_name(status));
      last_status = status;
    }
    fflush(stdout);
    if (status == CDS_NO_DISC || status == CDS_TRAY_OPEN) absent = 1;
    if (status == CDS_DISC_OK && absent) {
      print_toc(NULL, NULL);
      printf("CDPROBE CHANGED\n");
      fflush(stdout);
      return;
    }
    sleep_ms(POLL_MS);
  }
  fail("wait-change", ETIMEDOUT);
}

int main(int argc, char **argv) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  if (argc < 2) {
    fprintf(stderr, "usage: cdprobe DEVICE [audio:TRACK:FRAMES] [wait-change]\n");
    return 2;
  }
  int audio_track = 0, audio_frames = 0, want_change = 0;
  for (int i = 2; i < argc; i++) {
    if (sscanf(argv[i], "audio:%d:%d", &audio_track, &audio_frames) == 2 && audio_track > 0 &&
        audio_frames > 0) {
      continue;
    } else if (strcmp(argv[i], "wait-change") == 0) {
      want_change = 1;
    } else {
      fail("usage", EINVAL);
    }
  }
  for (int waited = 0;; waited += POLL_MS) {
    fd = open(argv[1], O_RDONLY | O_NONBLOCK);
    if (fd >= 0) break;
    if (waited >= OPEN_WAIT_MS) fail("open", errno);
    sleep_ms(POLL_MS);
  }
  print_toc(NULL, NULL);
  if (audio_frames > 0) read_audio(audio_track, audio_frames);
  if (want_change) wait_change();
  printf("CDPROBE DONE\n");
  fflush(stdout);
  close(fd);
  return 0;
}
