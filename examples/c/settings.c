/* SPDX-License-Identifier: MPL-2.0
 *
 * usermediasrc from C: getUserMedia() with constraints, the chosen settings printed, the error
 * (with its DOMException name) printed when nothing fits.
 *
 *   cc settings.c $(pkg-config --cflags --libs gstreamer-1.0) -o settings
 *   ./settings "{video: {frameRate: {min: 25}}}"
 *   ./settings --prompt "{video: true, audio: true}"   # asks through request-permission
 *
 * The plugin must be installed or on GST_PLUGIN_PATH. Prints "settings: <JSON>" once the
 * pipeline plays; exit status 0 on success, 2 on a getUserMedia error, 1 otherwise.
 */

#include <gst/gst.h>

/* permission=prompt: usermediasrc asks before opening any device. The request names what would
 * be opened; this handler prints it and grants (return FALSE to refuse: NotAllowedError). */
static gboolean
on_request_permission (GstElement * src, GstStructure * request, gpointer user_data)
{
  gboolean video = FALSE, audio = FALSE;

  gst_structure_get_boolean (request, "video", &video);
  gst_structure_get_boolean (request, "audio", &audio);
  g_print ("permission request: camera %s, microphone %s\n",
      video ? gst_structure_get_string (request, "video-label") : "(none)",
      audio ? gst_structure_get_string (request, "audio-label") : "(none)");
  return TRUE;
}

/* Every pad usermediasrc adds (video_0, audio_0) goes to a sink of its own. */
static void
on_pad_added (GstElement * src, GstPad * pad, gpointer user_data)
{
  GstBin *pipeline = GST_BIN (user_data);
  GstElement *sink = gst_element_factory_make ("fakesink", NULL);
  GstPad *sinkpad;

  g_object_set (sink, "sync", FALSE, NULL);
  gst_bin_add (pipeline, sink);
  gst_element_sync_state_with_parent (sink);
  sinkpad = gst_element_get_static_pad (sink, "sink");
  if (gst_pad_link (pad, sinkpad) != GST_PAD_LINK_OK)
    g_printerr ("cannot link %s\n", GST_PAD_NAME (pad));
  gst_object_unref (sinkpad);
}

int
main (int argc, char *argv[])
{
  const gchar *constraints = "{video: {frameRate: {min: 25}}}";
  gboolean prompt = FALSE;
  GstElement *pipeline, *src;
  GstBus *bus;
  GstMessage *msg;
  int status = 1;

  gst_init (&argc, &argv);
  for (int i = 1; i < argc; i++) {
    if (g_str_equal (argv[i], "--prompt"))
      prompt = TRUE;
    else
      constraints = argv[i];
  }

  src = gst_element_factory_make ("usermediasrc", NULL);
  if (src == NULL) {
    g_printerr ("usermediasrc not found: install the plugin or set GST_PLUGIN_PATH\n");
    return 1;
  }
  g_object_set (src, "constraints", constraints, NULL);
  if (prompt) {
    gst_util_set_object_arg (G_OBJECT (src), "permission", "prompt");
    g_signal_connect (src, "request-permission", G_CALLBACK (on_request_permission), NULL);
  }

  pipeline = gst_pipeline_new (NULL);
  gst_bin_add (GST_BIN (pipeline), src);
  g_signal_connect (src, "pad-added", G_CALLBACK (on_pad_added), pipeline);
  gst_element_set_state (pipeline, GST_STATE_PLAYING);

  /* Until the pipeline plays (the devices are open and media flows) or fails. */
  bus = gst_element_get_bus (pipeline);
  while ((msg = gst_bus_timed_pop_filtered (bus, 10 * GST_SECOND,
              GST_MESSAGE_ERROR | GST_MESSAGE_STATE_CHANGED)) != NULL) {
    if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR) {
      GError *err = NULL;
      const GstStructure *details = NULL;

      gst_message_parse_error (msg, &err, NULL);
      gst_message_parse_error_details (msg, &details);
      /* usermediasrc's errors carry the DOMException name: "usermedia-error" details. */
      if (details != NULL && gst_structure_has_name (details, "usermedia-error")) {
        g_printerr ("getUserMedia failed: %s: %s\n",
            gst_structure_get_string (details, "name"),
            gst_structure_get_string (details, "message"));
        status = 2;
      } else {
        g_printerr ("error: %s\n", err->message);
      }
      g_clear_error (&err);
      gst_message_unref (msg);
      break;
    }
    if (GST_MESSAGE_SRC (msg) == GST_OBJECT (pipeline)) {
      GstState state;

      gst_message_parse_state_changed (msg, NULL, &state, NULL);
      if (state == GST_STATE_PLAYING) {
        gchar *settings = NULL;

        g_object_get (src, "settings", &settings, NULL);
        g_print ("settings: %s\n", settings);
        g_free (settings);
        status = 0;
        gst_message_unref (msg);
        break;
      }
    }
    gst_message_unref (msg);
  }
  if (msg == NULL)
    g_printerr ("timed out\n");

  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (bus);
  gst_object_unref (pipeline);
  return status;
}
