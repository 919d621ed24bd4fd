/* SPDX-License-Identifier: MPL-2.0 */
/*
 * vdev-cam: a virtual PipeWire camera for the usermediasrc test harness.
 *
 * It exports one Video/Source node (a pw_stream in the output direction that
 * drives the graph) which offers a discrete list of raw video modes, one
 * EnumFormat param per mode. Once a consumer has picked a mode, frames are
 * produced on a timer paced at the negotiated frame rate and stamped with
 * CLOCK_MONOTONIC times in spa_meta_header, the clock pipewiresrc expects, so
 * the consumer gets correct PTS. The picture is a moving pattern: a white
 * vertical bar sweeping left to right, a coloured horizontal band sweeping
 * top to bottom, over a slowly changing background.
 *
 * Usage:
 *   vdev-cam [-n NODE_NAME] [-d DESCRIPTION] [-m memfd|memptr] [-p KEY=VALUE]... MODE...
 *   MODE = FORMAT:WIDTHxHEIGHT@FPS   FORMAT in YUY2, NV12, I420
 *                                    FPS as N or N/D (e.g. 30, 30000/1001)
 *
 * Node properties: -n/-d/-p set them; PIPEWIRE_PROPS (SPA-JSON), read by
 * pw_stream_new(), can add or override any of them.
 *
 * Buffer memory (-m): "memfd" (the default) allocates one memfd per buffer
 * here (PW_STREAM_FLAG_ALLOC_BUFFERS) and hands its fd to the consumers, as
 * SPA's v4l2 source exports each V4L2 buffer as a DmaBuf (VIDIOC_EXPBUF):
 * pipewiresrc wraps a dup of the fd, which outlives this node. "memptr" lets
 * the PipeWire server allocate the buffers (what a pw_stream producer without
 * ALLOC_BUFFERS gets): the frames then sit inline in one shared block that
 * each consumer sees as MemPtr, a pointer into a mapping PipeWire frees when
 * the node goes away.
 *
 * Build:
 *   cc -O2 -Wall -o vdev-cam vdev-cam.c $(pkg-config --cflags --libs libpipewire-0.3)
 *
 * SIGINT / SIGTERM disconnect the stream and exit with status 0. The process
 * also exits (status 1) if the PipeWire daemon goes away.
 */

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>

#include <spa/param/video/format-utils.h>
#include <spa/param/buffers.h>
#include <spa/utils/result.h>
#include <pipewire/pipewire.h>

#define MAX_MODES 16
#define MAX_BUFFERS 16
#define DEFAULT_BUFFERS 8

#define ROUND_UP_2(x) (((x) + 1u) & ~1u)
#define ROUND_UP_4(x) (((x) + 3u) & ~3u)

struct mode {
	uint32_t format; /* SPA_VIDEO_FORMAT_* */
	const char *format_name;
	uint32_t width, height;
	uint32_t fps_num, fps_den;
};

/* Plane layout, identical to GStreamer's default GstVideoInfo layout, since
 * pipewiresrc attaches a GstVideoMeta computed from the caps to each buffer. */
struct layout {
	uint32_t n_planes;
	uint32_t stride[3];
	uint32_t offset[3];
	uint32_t size;
};

struct data {
	struct pw_main_loop *loop;
	struct pw_context *context;
	struct pw_core *core;
	struct spa_hook core_listener;
	struct pw_stream *stream;
	struct spa_hook stream_listener;
	struct spa_source *timer;

	struct mode modes[MAX_MODES];
	uint32_t n_modes;

	int have_format;
	struct mode cur; /* negotiated mode */
	struct layout lay;

	uint64_t period_ns;   /* frame period */
	uint64_t start_ns;    /* CLOCK_MONOTONIC time of the first tick */
	uint64_t tick;        /* ticks since start */
	uint64_t frame_time;  /* nominal time of the frame being produced */
	uint64_t frame_count; /* frames actually produced, drives the pattern */
	uint32_t seq;
	int alloc_memfd; /* -m memfd: this process allocates the buffers */
	int exit_code;
};

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return SPA_TIMESPEC_TO_NSEC(&ts);
}

static int parse_format(const char *s, struct mode *m)
{
	if (strcmp(s, "YUY2") == 0) {
		m->format = SPA_VIDEO_FORMAT_YUY2;
		m->format_name = "YUY2";
	} else if (strcmp(s, "NV12") == 0) {
		m->format = SPA_VIDEO_FORMAT_NV12;
		m->format_name = "NV12";
	} else if (strcmp(s, "I420") == 0) {
		m->format = SPA_VIDEO_FORMAT_I420;
		m->format_name = "I420";
	} else {
		return -EINVAL;
	}
	return 0;
}

/* FORMAT:WxH@FPS, FPS = N or N/D */
static int parse_mode(const char *arg, struct mode *m)
{
	char fmt[16];
	unsigned w, h, num, den = 1;
	int n = 0;

	if (sscanf(arg, "%15[^:]:%ux%u@%u%n", fmt, &w, &h, &num, &n) != 4)
		return -EINVAL;
	if (arg[n] == '/') {
		int n2 = 0;
		if (sscanf(arg + n, "/%u%n", &den, &n2) != 1)
			return -EINVAL;
		n += n2;
	}
	if (arg[n] != '\0')
		return -EINVAL;
	if (parse_format(fmt, m) < 0)
		return -EINVAL;
	if (w < 2 || h < 2 || w > 8192 || h > 8192 || num == 0 || den == 0)
		return -EINVAL;
	m->width = w;
	m->height = h;
	m->fps_num = num;
	m->fps_den = den;
	return 0;
}

static void compute_layout(const struct mode *m, struct layout *l)
{
	uint32_t w = m->width, h = m->height;

	memset(l, 0, sizeof(*l));
	switch (m->format) {
	case SPA_VIDEO_FORMAT_YUY2:
		l->n_planes = 1;
		l->stride[0] = ROUND_UP_4(w * 2);
		l->size = l->stride[0] * h;
		break;
	case SPA_VIDEO_FORMAT_NV12:
		l->n_planes = 2;
		l->stride[0] = ROUND_UP_4(w);
		l->stride[1] = l->stride[0];
		l->offset[1] = l->stride[0] * ROUND_UP_2(h);
		l->size = l->offset[1] + l->stride[1] * (ROUND_UP_2(h) / 2);
		break;
	case SPA_VIDEO_FORMAT_I420:
	default:
		l->n_planes = 3;
		l->stride[0] = ROUND_UP_4(w);
		l->stride[1] = ROUND_UP_4(ROUND_UP_2(w) / 2);
		l->stride[2] = l->stride[1];
		l->offset[1] = l->stride[0] * ROUND_UP_2(h);
		l->offset[2] = l->offset[1] + l->stride[1] * (ROUND_UP_2(h) / 2);
		l->size = l->offset[2] + l->stride[2] * (ROUND_UP_2(h) / 2);
		break;
	}
}

/* ---- pattern ---------------------------------------------------------- */

struct yuv { uint8_t y, u, v; };

struct pattern {
	uint32_t bar_x0, bar_x1;   /* vertical bar, [x0, x1) in pixels */
	uint32_t band_y0, band_y1; /* horizontal band, [y0, y1) in lines */
	struct yuv bg, bar, band;
};

static void make_pattern(const struct mode *m, uint64_t frame, struct pattern *p)
{
	/* The bar crosses the picture in 2 s, the band in 3 s, whatever the rate. */
	double t = (double)frame * m->fps_den / m->fps_num;
	uint32_t bar_w = SPA_MAX(m->width / 20, 2u) & ~1u;
	uint32_t band_h = SPA_MAX(m->height / 20, 2u) & ~1u;
	uint32_t x = (uint32_t)(t / 2.0 * m->width) % m->width;
	uint32_t y = (uint32_t)(t / 3.0 * m->height) % m->height;
	uint32_t phase = (uint32_t)(frame % 128);
	uint32_t tri = phase < 64 ? phase : 127 - phase;

	p->bar_x0 = x & ~1u;
	p->bar_x1 = SPA_MIN(p->bar_x0 + bar_w, m->width);
	p->band_y0 = y & ~1u;
	p->band_y1 = SPA_MIN(p->band_y0 + band_h, m->height);
	p->bg = (struct yuv){ 64, (uint8_t)(96 + tri), (uint8_t)(160 - tri) };
	p->bar = (struct yuv){ 235, 128, 128 };
	p->band = (struct yuv){ 82, 90, 240 };
}

static inline const struct yuv *pick(const struct pattern *p, uint32_t x, int in_band)
{
	if (x >= p->bar_x0 && x < p->bar_x1)
		return &p->bar;
	return in_band ? &p->band : &p->bg;
}

/* Builds one row of each kind (outside / inside the band) and copies them,
 * so the cost per frame is a memcpy of the frame plus O(width). */
static void fill_frame(uint8_t *dst, const struct mode *m, const struct layout *l,
		const struct pattern *p)
{
	uint32_t w = m->width, h = m->height, x, y, k;
	uint32_t cw = (w + 1) / 2, ch = (h + 1) / 2;
	uint8_t *row[2][3];
	uint32_t row_len[3] = { 0 };

	for (k = 0; k < l->n_planes; k++) {
		row_len[k] = l->stride[k];
		row[0][k] = calloc(2, row_len[k]);
		if (row[0][k] == NULL)
			goto out;
		row[1][k] = row[0][k] + row_len[k];
	}

	for (int b = 0; b < 2; b++) {
		switch (m->format) {
		case SPA_VIDEO_FORMAT_YUY2:
			for (x = 0; x < w; x += 2) {
				const struct yuv *c = pick(p, x, b);
				uint8_t *d = row[b][0] + x * 2;
				d[0] = c->y;
				d[1] = c->u;
				d[2] = c->y;
				d[3] = c->v;
			}
			break;
		case SPA_VIDEO_FORMAT_NV12:
			for (x = 0; x < w; x++)
				row[b][0][x] = pick(p, x, b)->y;
			for (x = 0; x < cw; x++) {
				const struct yuv *c = pick(p, x * 2, b);
				row[b][1][2 * x] = c->u;
				row[b][1][2 * x + 1] = c->v;
			}
			break;
		case SPA_VIDEO_FORMAT_I420:
			for (x = 0; x < w; x++)
				row[b][0][x] = pick(p, x, b)->y;
			for (x = 0; x < cw; x++) {
				const struct yuv *c = pick(p, x * 2, b);
				row[b][1][x] = c->u;
				row[b][2][x] = c->v;
			}
			break;
		}
	}

	/* luma (or packed) plane */
	for (y = 0; y < h; y++) {
		int b = y >= p->band_y0 && y < p->band_y1;
		memcpy(dst + l->offset[0] + (size_t)y * l->stride[0], row[b][0], row_len[0]);
	}
	/* chroma planes, vertically subsampled */
	for (k = 1; k < l->n_planes; k++) {
		for (y = 0; y < ch; y++) {
			int b = 2 * y >= p->band_y0 && 2 * y < p->band_y1;
			memcpy(dst + l->offset[k] + (size_t)y * l->stride[k], row[b][k], row_len[k]);
		}
	}
out:
	for (k = 0; k < l->n_planes; k++)
		free(row[0][k]);
}

/* ---- stream ----------------------------------------------------------- */

static void on_process(void *userdata)
{
	struct data *d = userdata;
	struct pw_buffer *b;
	struct spa_buffer *buf;
	struct spa_meta_header *h;
	struct pattern pat;
	uint8_t *p;

	if ((b = pw_stream_dequeue_buffer(d->stream)) == NULL) {
		pw_log_debug("out of buffers");
		return;
	}
	buf = b->buffer;
	p = buf->datas[0].data;
	if (p == NULL || !d->have_format || buf->datas[0].maxsize < d->lay.size) {
		pw_log_warn("unusable buffer (data %p, maxsize %u, need %u)",
				p, buf->datas[0].maxsize, d->lay.size);
		buf->datas[0].chunk->size = 0;
		pw_stream_queue_buffer(d->stream, b);
		return;
	}

	if ((h = spa_buffer_find_meta_data(buf, SPA_META_Header, sizeof(*h)))) {
		h->pts = (int64_t)(d->frame_time ? d->frame_time : now_ns());
		h->flags = 0;
		h->offset = 0;
		h->seq = d->seq++;
		h->dts_offset = 0;
	}

	make_pattern(&d->cur, d->frame_count++, &pat);
	fill_frame(p, &d->cur, &d->lay, &pat);

	buf->datas[0].chunk->offset = 0;
	buf->datas[0].chunk->size = d->lay.size;
	buf->datas[0].chunk->stride = (int32_t)d->lay.stride[0];
	buf->datas[0].chunk->flags = 0;

	pw_stream_queue_buffer(d->stream, b);
}

static void on_timeout(void *userdata, uint64_t expirations)
{
	struct data *d = userdata;

	/* Nominal tick time, so consecutive PTS are exactly one period apart;
	 * ticks missed while the machine was busy are skipped, not bunched. */
	d->tick += expirations ? expirations : 1;
	d->frame_time = d->start_ns + (d->tick - 1) * d->period_ns;
	pw_stream_trigger_process(d->stream);
}

static void timer_start(struct data *d)
{
	struct timespec value, interval;

	d->period_ns = SPA_NSEC_PER_SEC * (uint64_t)d->cur.fps_den / d->cur.fps_num;
	d->start_ns = now_ns() + SPA_NSEC_PER_MSEC;
	d->tick = 0;
	value.tv_sec = d->start_ns / SPA_NSEC_PER_SEC;
	value.tv_nsec = d->start_ns % SPA_NSEC_PER_SEC;
	interval.tv_sec = d->period_ns / SPA_NSEC_PER_SEC;
	interval.tv_nsec = d->period_ns % SPA_NSEC_PER_SEC;
	pw_loop_update_timer(pw_main_loop_get_loop(d->loop), d->timer, &value, &interval, true);
}

static void timer_stop(struct data *d)
{
	pw_loop_update_timer(pw_main_loop_get_loop(d->loop), d->timer, NULL, NULL, false);
}

static void on_state_changed(void *userdata, enum pw_stream_state old,
		enum pw_stream_state state, const char *error)
{
	struct data *d = userdata;

	pw_log_info("stream state: %s -> %s%s%s", pw_stream_state_as_string(old),
			pw_stream_state_as_string(state), error ? ": " : "", error ? error : "");
	switch (state) {
	case PW_STREAM_STATE_STREAMING:
		if (d->have_format)
			timer_start(d);
		break;
	case PW_STREAM_STATE_ERROR:
		fprintf(stderr, "vdev-cam: stream error: %s\n", error ? error : "unknown");
		timer_stop(d);
		d->exit_code = 1;
		pw_main_loop_quit(d->loop);
		break;
	default:
		timer_stop(d);
		break;
	}
}

static const struct mode *find_mode(struct data *d, const struct spa_video_info_raw *info)
{
	for (uint32_t i = 0; i < d->n_modes; i++) {
		const struct mode *m = &d->modes[i];
		if (m->format == info->format && m->width == info->size.width &&
				m->height == info->size.height &&
				(uint64_t)m->fps_num * info->framerate.denom ==
				(uint64_t)info->framerate.num * m->fps_den)
			return m;
	}
	return NULL;
}

static void on_param_changed(void *userdata, uint32_t id, const struct spa_pod *param)
{
	struct data *d = userdata;
	struct spa_video_info_raw info;
	const struct mode *m;
	uint8_t buffer[1024];
	struct spa_pod_builder b = SPA_POD_BUILDER_INIT(buffer, sizeof(buffer));
	const struct spa_pod *params[2];

	if (id != SPA_PARAM_Format)
		return;
	if (param == NULL) {
		pw_log_info("format cleared");
		d->have_format = 0;
		timer_stop(d);
		return;
	}
	spa_zero(info);
	if (spa_format_video_raw_parse(param, &info) < 0 || (m = find_mode(d, &info)) == NULL) {
		pw_log_warn("unexpected format proposed");
		pw_stream_set_error(d->stream, -EINVAL, "unsupported format");
		return;
	}
	d->cur = *m;
	compute_layout(m, &d->lay);
	d->have_format = 1;
	d->frame_count = 0;
	fprintf(stderr, "vdev-cam: negotiated %s %ux%u@%u/%u, frame size %u\n",
			m->format_name, m->width, m->height, m->fps_num, m->fps_den, d->lay.size);

	params[0] = spa_pod_builder_add_object(&b,
		SPA_TYPE_OBJECT_ParamBuffers, SPA_PARAM_Buffers,
		SPA_PARAM_BUFFERS_buffers,  SPA_POD_CHOICE_RANGE_Int(DEFAULT_BUFFERS, 2, MAX_BUFFERS),
		SPA_PARAM_BUFFERS_blocks,   SPA_POD_Int(1),
		SPA_PARAM_BUFFERS_size,     SPA_POD_Int(d->lay.size),
		SPA_PARAM_BUFFERS_stride,   SPA_POD_Int(d->lay.stride[0]),
		SPA_PARAM_BUFFERS_dataType, SPA_POD_CHOICE_FLAGS_Int(d->alloc_memfd ?
				(1 << SPA_DATA_MemFd) :
				(1 << SPA_DATA_MemFd) | (1 << SPA_DATA_MemPtr)));
	params[1] = spa_pod_builder_add_object(&b,
		SPA_TYPE_OBJECT_ParamMeta, SPA_PARAM_Meta,
		SPA_PARAM_META_type, SPA_POD_Id(SPA_META_Header),
		SPA_PARAM_META_size, SPA_POD_Int(sizeof(struct spa_meta_header)));
	pw_stream_update_params(d->stream, params, 2);
}

/* -m memfd: one sealed memfd per buffer, mapped here to draw into. */
static void on_add_buffer(void *userdata, struct pw_buffer *b)
{
	struct data *d = userdata;
	struct spa_data *sd = &b->buffer->datas[0];
	void *p;

	if (!d->alloc_memfd)
		return;
	/* Nothing for on_remove_buffer to close or unmap until both are ours. */
	sd->fd = -1;
	sd->data = NULL;
	if ((sd->type & (1u << SPA_DATA_MemFd)) == 0) {
		pw_log_error("memfd not among the buffer types %08x", sd->type);
		return;
	}
	sd->type = SPA_DATA_MemFd;
	sd->flags = SPA_DATA_FLAG_READABLE;
	sd->mapoffset = 0;
	sd->maxsize = d->lay.size;
	sd->fd = memfd_create("vdev-cam", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (sd->fd < 0) {
		pw_log_error("memfd_create: %m");
		return;
	}
	if (ftruncate(sd->fd, sd->maxsize) < 0) {
		pw_log_error("ftruncate %u: %m", sd->maxsize);
		return;
	}
	if (fcntl(sd->fd, F_ADD_SEALS, F_SEAL_GROW | F_SEAL_SHRINK | F_SEAL_SEAL) < 0)
		pw_log_warn("memfd seals: %m");
	p = mmap(NULL, sd->maxsize, PROT_READ | PROT_WRITE, MAP_SHARED, sd->fd, 0);
	if (p == MAP_FAILED) {
		pw_log_error("mmap: %m");
		return;
	}
	sd->data = p;
}

static void on_remove_buffer(void *userdata, struct pw_buffer *b)
{
	struct data *d = userdata;
	struct spa_data *sd = &b->buffer->datas[0];

	if (!d->alloc_memfd)
		return;
	if (sd->data != NULL)
		munmap(sd->data, sd->maxsize);
	if (sd->fd >= 0)
		close(sd->fd);
	sd->data = NULL;
	sd->fd = -1;
}

static const struct pw_stream_events stream_events = {
	PW_VERSION_STREAM_EVENTS,
	.state_changed = on_state_changed,
	.param_changed = on_param_changed,
	.add_buffer = on_add_buffer,
	.remove_buffer = on_remove_buffer,
	.process = on_process,
};

static void on_core_error(void *userdata, uint32_t id, int seq, int res, const char *message)
{
	struct data *d = userdata;

	pw_log_warn("core error: id:%u seq:%d res:%d (%s): %s", id, seq, res,
			spa_strerror(res), message);
	if (id == PW_ID_CORE) {
		fprintf(stderr, "vdev-cam: connection to PipeWire lost: %s\n", message);
		d->exit_code = 1;
		pw_main_loop_quit(d->loop);
	}
}

static const struct pw_core_events core_events = {
	PW_VERSION_CORE_EVENTS,
	.error = on_core_error,
};

static void do_quit(void *userdata, int signal_number)
{
	struct data *d = userdata;
	pw_main_loop_quit(d->loop);
}

static void usage(FILE *f, const char *prog)
{
	fprintf(f,
		"usage: %s [-n NODE_NAME] [-d DESCRIPTION] [-m memfd|memptr] [-p KEY=VALUE]... MODE...\n"
		"  MODE = FORMAT:WIDTHxHEIGHT@FPS, FORMAT in YUY2 NV12 I420, FPS = N or N/D\n"
		"  -m: memfd (default) allocates a memfd per buffer here; memptr lets PipeWire\n"
		"      allocate them (consumers get pointers into its shared block)\n"
		"  example: %s -n vdev-cam-multi -d 'Virtual Camera' YUY2:1280x720@30 NV12:1920x1080@60\n"
		"  PIPEWIRE_PROPS (SPA-JSON) adds or overrides node properties.\n",
		prog, prog);
}

int main(int argc, char *argv[])
{
	struct data d;
	struct pw_properties *props;
	const char *name = "vdev-cam", *desc = NULL;
	uint8_t buffer[MAX_MODES * 256];
	struct spa_pod_builder b = SPA_POD_BUILDER_INIT(buffer, sizeof(buffer));
	const struct spa_pod *params[MAX_MODES];
	int opt, res;

	spa_zero(d);
	d.alloc_memfd = 1;
	setvbuf(stderr, NULL, _IOLBF, 0);
	pw_init(&argc, &argv);

	props = pw_properties_new(
		PW_KEY_MEDIA_TYPE, "Video",
		PW_KEY_MEDIA_CATEGORY, "Capture",
		PW_KEY_MEDIA_ROLE, "Camera",
		PW_KEY_MEDIA_CLASS, "Video/Source",
		NULL);

	while ((opt = getopt(argc, argv, "n:d:m:p:h")) != -1) {
		switch (opt) {
		case 'n':
			name = optarg;
			break;
		case 'd':
			desc = optarg;
			break;
		case 'm':
			if (strcmp(optarg, "memfd") == 0) {
				d.alloc_memfd = 1;
			} else if (strcmp(optarg, "memptr") == 0) {
				d.alloc_memfd = 0;
			} else {
				fprintf(stderr, "vdev-cam: -m takes memfd or memptr\n");
				return 2;
			}
			break;
		case 'p': {
			char *eq = strchr(optarg, '=');
			if (eq == NULL || eq == optarg) {
				fprintf(stderr, "vdev-cam: bad property '%s', expected KEY=VALUE\n", optarg);
				return 2;
			}
			*eq = '\0';
			pw_properties_set(props, optarg, eq + 1);
			*eq = '=';
			break;
		}
		case 'h':
			usage(stdout, argv[0]);
			return 0;
		default:
			usage(stderr, argv[0]);
			return 2;
		}
	}
	for (; optind < argc; optind++) {
		if (d.n_modes == MAX_MODES) {
			fprintf(stderr, "vdev-cam: at most %d modes\n", MAX_MODES);
			return 2;
		}
		if (parse_mode(argv[optind], &d.modes[d.n_modes]) < 0) {
			fprintf(stderr, "vdev-cam: bad mode '%s'\n", argv[optind]);
			usage(stderr, argv[0]);
			return 2;
		}
		d.n_modes++;
	}
	if (d.n_modes == 0) {
		usage(stderr, argv[0]);
		return 2;
	}

	pw_properties_set(props, PW_KEY_NODE_NAME, name);
	pw_properties_set(props, PW_KEY_NODE_DESCRIPTION, desc ? desc : name);
	pw_properties_set(props, PW_KEY_NODE_NICK, desc ? desc : name);
	pw_properties_set(props, PW_KEY_APP_NAME, "vdev-cam");

	d.loop = pw_main_loop_new(NULL);
	if (d.loop == NULL) {
		fprintf(stderr, "vdev-cam: cannot create main loop\n");
		return 1;
	}
	pw_loop_add_signal(pw_main_loop_get_loop(d.loop), SIGINT, do_quit, &d);
	pw_loop_add_signal(pw_main_loop_get_loop(d.loop), SIGTERM, do_quit, &d);
	d.timer = pw_loop_add_timer(pw_main_loop_get_loop(d.loop), on_timeout, &d);

	d.context = pw_context_new(pw_main_loop_get_loop(d.loop), NULL, 0);
	if (d.context == NULL) {
		fprintf(stderr, "vdev-cam: cannot create context\n");
		return 1;
	}
	d.core = pw_context_connect(d.context, NULL, 0);
	if (d.core == NULL) {
		fprintf(stderr, "vdev-cam: cannot connect to PipeWire: %s\n", strerror(errno));
		return 1;
	}
	pw_core_add_listener(d.core, &d.core_listener, &core_events, &d);

	/* pw_stream_new() applies PIPEWIRE_PROPS on top of these. */
	d.stream = pw_stream_new(d.core, "vdev-cam", props);
	if (d.stream == NULL) {
		fprintf(stderr, "vdev-cam: cannot create stream: %s\n", strerror(errno));
		return 1;
	}
	pw_stream_add_listener(d.stream, &d.stream_listener, &stream_events, &d);

	for (uint32_t i = 0; i < d.n_modes; i++) {
		const struct mode *m = &d.modes[i];
		params[i] = spa_pod_builder_add_object(&b,
			SPA_TYPE_OBJECT_Format, SPA_PARAM_EnumFormat,
			SPA_FORMAT_mediaType,       SPA_POD_Id(SPA_MEDIA_TYPE_video),
			SPA_FORMAT_mediaSubtype,    SPA_POD_Id(SPA_MEDIA_SUBTYPE_raw),
			SPA_FORMAT_VIDEO_format,    SPA_POD_Id(m->format),
			SPA_FORMAT_VIDEO_size,      SPA_POD_Rectangle(&SPA_RECTANGLE(m->width, m->height)),
			SPA_FORMAT_VIDEO_framerate, SPA_POD_Fraction(&SPA_FRACTION(m->fps_num, m->fps_den)));
		if (params[i] == NULL) {
			fprintf(stderr, "vdev-cam: param buffer too small\n");
			return 1;
		}
	}

	res = pw_stream_connect(d.stream, PW_DIRECTION_OUTPUT, PW_ID_ANY,
			PW_STREAM_FLAG_DRIVER | (d.alloc_memfd ? PW_STREAM_FLAG_ALLOC_BUFFERS :
					PW_STREAM_FLAG_MAP_BUFFERS),
			params, d.n_modes);
	if (res < 0) {
		fprintf(stderr, "vdev-cam: cannot connect stream: %s\n", spa_strerror(res));
		return 1;
	}

	fprintf(stderr, "vdev-cam: %s ready with %u mode(s)\n", name, d.n_modes);
	pw_main_loop_run(d.loop);

	timer_stop(&d);
	pw_stream_disconnect(d.stream);
	pw_stream_destroy(d.stream);
	pw_core_disconnect(d.core);
	pw_context_destroy(d.context);
	pw_main_loop_destroy(d.loop);
	pw_deinit();
	fprintf(stderr, "vdev-cam: %s exiting (%d)\n", name, d.exit_code);
	return d.exit_code;
}
