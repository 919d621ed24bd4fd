// Copyright (C) 2026 The usermediasrc authors
//
// This Source Code Form is subject to the terms of the Mozilla Public License, v2.0.
// If a copy of the MPL was not distributed with this file, You can obtain one at
// <https://mozilla.org/MPL/2.0/>.
//
// SPDX-License-Identifier: MPL-2.0

//! Stable `deviceId`, `groupId`, `facingMode` and label of a `GstDevice`.
//!
//! deviceIds must survive process restarts, replugs and daemon restarts, so they are built from
//! names the system chooses deterministically (PipeWire `node.name`, the pulse source name, the
//! udev bus path of a v4l2 node), never from per-session counters (`object.serial`, `object.id`,
//! PipeWire `device.id`). They are prefixed with the API, like cpal's `pipewire:<node.name>`.
//!
//! groupIds put the camera and the microphone of one USB device together. The most reliable
//! common key is the physical USB port (`usb-<host controller>-<port path>`), which can be read
//! from v4l2 `bus_info`, udev `ID_PATH`, `sysfs.path` and ALSA card long names alike; the udev
//! serial comes next, then the device's own id.
//!
//! Windows and macOS providers (facts in the project's platform notes): Media Foundation cameras
//! by `device.path`, WASAPI endpoints by their endpoint id (`device.id` of wasapi2, `device.strid`
//! of wasapi: one id, so the two providers' entries of one endpoint are twins), DirectSound by
//! `device.guid` (none: the primary device, the default), AVFoundation cameras by
//! `avf.unique_id`, CoreAudio by `unique-id`. Their audio properties name no USB port, so a
//! microphone cannot be grouped with its camera there; the cameras of one Media Foundation USB
//! device (a Windows Hello webcam's colour and infrared interfaces) share a group.

use gst::prelude::*;

/// What a device is called, as the W3C `MediaDeviceInfo` exposes it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Identity {
    pub device_id: String,
    pub group_id: String,
    pub label: String,
    /// `user` or `environment` when the hardware says so.
    pub facing_mode: Option<String>,
}

/// The facts identity is derived from (extracted from a `GstDevice` by [`facts`]).
#[derive(Clone, Debug)]
pub struct DeviceFacts {
    /// Device provider factory name, e.g. `pipewiredeviceprovider`.
    pub provider: String,
    pub display_name: String,
    pub properties: Option<gst::Structure>,
    /// The pulse source name (`internal-name` property of pulse devices).
    pub internal_name: Option<String>,
}

/// Reads the identity-relevant facts off a device.
pub fn facts(device: &gst::Device) -> DeviceFacts {
    let internal_name = device
        .find_property("internal-name")
        .filter(|p| p.value_type() == String::static_type())
        .and_then(|_| device.property::<Option<String>>("internal-name"));
    DeviceFacts {
        provider: provider_name(device),
        display_name: device.display_name().to_string(),
        properties: device.properties(),
        internal_name,
    }
}

/// The device provider factory that published `device`, or a name derived from its GType when
/// the device has no provider parent (devices from an unstarted provider's probe).
pub fn provider_name(device: &gst::Device) -> String {
    if let Some(provider) = device
        .parent()
        .and_then(|p| p.downcast::<gst::DeviceProvider>().ok())
        && let Some(factory) = provider.factory()
    {
        return factory.name().to_string();
    }
    let type_name = device.type_().name().to_ascii_lowercase();
    for (needle, provider) in [
        ("pipewire", "pipewiredeviceprovider"),
        ("pulse", "pulsedeviceprovider"),
        ("v4l2", "v4l2deviceprovider"),
        ("libcamera", "libcameraprovider"),
        ("alsa", "alsadeviceprovider"),
        ("usermediafake", crate::device::fake::PROVIDER_NAME),
        ("gstmfdevice", "mfdeviceprovider"),
        ("wasapi2", "wasapi2deviceprovider"),
        ("wasapi", "wasapideviceprovider"),
        ("directsound", "directsoundsrcdeviceprovider"),
        ("avf", "avfdeviceprovider"),
        ("osxaudio", "osxaudiodeviceprovider"),
    ] {
        if type_name.contains(needle) {
            return provider.to_string();
        }
    }
    type_name
}

/// Short API name of a provider factory: `pipewire`, `pulse`, `v4l2`, `libcamera`, …
pub fn api_name(provider: &str) -> &str {
    match provider {
        "pipewiredeviceprovider" => "pipewire",
        "pulsedeviceprovider" => "pulse",
        "v4l2deviceprovider" => "v4l2",
        "libcameraprovider" => "libcamera",
        "alsadeviceprovider" => "alsa",
        "mfdeviceprovider" => "mf",
        "wasapi2deviceprovider" => "wasapi2",
        "wasapideviceprovider" => "wasapi",
        "directsoundsrcdeviceprovider" => "directsound",
        "avfdeviceprovider" => "avf",
        "osxaudiodeviceprovider" => "osxaudio",
        p => p
            .strip_suffix("deviceprovider")
            .or_else(|| p.strip_suffix("provider"))
            .filter(|s| !s.is_empty())
            .unwrap_or(p),
    }
}

/// deviceId, groupId, facingMode and label of a device.
pub fn identify(f: &DeviceFacts) -> Identity {
    let props = f.properties.as_deref();
    let label = f.display_name.clone();

    if is_fake(props) {
        let device_id = prop_string(props, "usermedia.device-id").unwrap_or_else(|| label.clone());
        let group_id =
            prop_string(props, "usermedia.group-id").unwrap_or_else(|| device_id.clone());
        return Identity {
            group_id,
            facing_mode: prop_string(props, "usermedia.facing-mode"),
            device_id,
            label,
        };
    }

    let api = api_name(&f.provider);
    let key = match api {
        "pipewire" => prop_string(props, "node.name"),
        "v4l2" => first_prop(props, &["device.bus_path", "device.serial", "device.path"]),
        "pulse" => f
            .internal_name
            .clone()
            .filter(|s| !s.is_empty())
            .or_else(|| first_prop(props, &["node.name", "device.description"])),
        "mf" => prop_string(props, "device.path"),
        "wasapi2" => prop_string(props, "device.id"),
        "wasapi" => prop_string(props, "device.strid"),
        // No GUID: the primary capture device, which follows the system default.
        "directsound" => prop_string(props, "device.guid").or_else(|| Some("default".into())),
        "avf" => prop_string(props, "avf.unique_id"),
        "osxaudio" => prop_string(props, "unique-id"),
        _ => None,
    };
    let device_id = format!("{}:{}", api, key.unwrap_or_else(|| label.clone()));

    let group_id = prop_string(props, "vdev.group-id")
        .or_else(|| usb_port(props))
        .or_else(|| {
            (api == "mf")
                .then(|| prop_string(props, "device.path"))
                .flatten()
                .and_then(|p| windows_usb_device(&p))
        })
        .or_else(|| prop_string(props, "device.serial").map(|s| format!("serial:{s}")))
        .unwrap_or_else(|| device_id.clone());

    let facing_mode = match prop_string(props, "api.libcamera.location").as_deref() {
        Some("front") => Some("user".to_string()),
        Some("back") => Some("environment".to_string()),
        _ => None,
    };

    Identity {
        device_id,
        group_id,
        label,
        facing_mode,
    }
}

/// The key under which one physical source appears in several providers (the PipeWire node and
/// its pipewire-pulse twin share `node.name`, which is the pulse source name).
/// WASAPI's two providers publish one endpoint under the same endpoint id.
pub fn twin_key(f: &DeviceFacts) -> Option<String> {
    let props = f.properties.as_deref();
    match api_name(&f.provider) {
        "pulse" => prop_string(props, "node.name").or_else(|| f.internal_name.clone()),
        "wasapi2" => prop_string(props, "device.id").map(|id| endpoint_id(&id)),
        "wasapi" => prop_string(props, "device.strid").map(|id| endpoint_id(&id)),
        _ => prop_string(props, "node.name"),
    }
}

/// The device a virtual "default" entry stands for, as a [`twin_key`]: wasapi2's "Default Audio
/// Capture Device" names the endpoint it currently follows in `device.actual-id`.
pub fn default_of(f: &DeviceFacts) -> Option<String> {
    let props = f.properties.as_deref();
    if api_name(&f.provider) != "wasapi2" || prop_bool(props, "device.default") != Some(true) {
        return None;
    }
    prop_string(props, "device.actual-id").map(|id| endpoint_id(&id))
}

/// The MMDevice endpoint id (`{0.0.1.00000000}.{guid}`) inside a WASAPI device id, which is
/// either that id or a WinRT interface path holding it (`\\?\SWD#MMDEVAPI#<endpoint id>#{…}`);
/// compared without case, as Windows does.
fn endpoint_id(id: &str) -> String {
    let lower = id.to_ascii_lowercase();
    match lower.find("{0.0.") {
        Some(start) => lower[start..]
            .split('#')
            .next()
            .unwrap_or_default()
            .to_string(),
        None => lower,
    }
}

/// The USB device behind a Media Foundation symbolic link, e.g.
/// `\\?\usb#vid_046d&pid_082d&mi_00#7&2b2b2f4e&0&0000#{e5323777-…}\global` →
/// `usb-vid_046d&pid_082d-7&2b2b2f4e&0`: the interface (`mi_NN`, and the instance's last part)
/// left out, so the interfaces of one composite device share it.
fn windows_usb_device(path: &str) -> Option<String> {
    let lower = path.to_ascii_lowercase();
    let mut parts = lower.split('#');
    let bus = parts.next()?;
    if !bus.ends_with("usb") {
        return None;
    }
    let hardware: Vec<&str> = parts
        .next()?
        .split('&')
        .filter(|p| !p.starts_with("mi_"))
        .collect();
    let instance = parts.next()?;
    let parent = instance.rsplit_once('&').map_or(instance, |(p, _)| p);
    Some(format!("usb-{}-{}", hardware.join("&"), parent))
}

/// Whether the device comes from the plugin's fake device provider.
pub fn is_fake(props: Option<&gst::StructureRef>) -> bool {
    prop_bool(props, "usermedia.fake").unwrap_or(false)
}

/// `usb-<host controller>-<port path>` of the USB device behind a node, from whichever key the
/// provider exposes.
pub fn usb_port(props: Option<&gst::StructureRef>) -> Option<String> {
    for key in ["api.v4l2.cap.bus_info", "v4l2.device.bus_info"] {
        if let Some(v) = prop_string(props, key).filter(|v| v.starts_with("usb-")) {
            return Some(v);
        }
    }
    for key in ["device.bus_path", "device.bus-path"] {
        if let Some(v) = prop_string(props, key).and_then(|v| usb_from_id_path(&v)) {
            return Some(v);
        }
    }
    for key in ["sysfs.path", "device.sysfs.path"] {
        if let Some(v) = prop_string(props, key).and_then(|v| usb_from_sysfs(&v)) {
            return Some(v);
        }
    }
    prop_string(props, "api.alsa.card.longname").and_then(|v| usb_from_alsa_longname(&v))
}

/// udev `ID_PATH`, e.g. `pci-0000:00:14.0-usb-0:1.2:1.0` → `usb-0000:00:14.0-1.2`.
fn usb_from_id_path(path: &str) -> Option<String> {
    let (host, usb) = path.split_once("-usb-")?;
    let host = host.split_once('-').map(|(_, h)| h).unwrap_or(host);
    let ports = usb.split(':').nth(1)?;
    valid_ports(ports).then(|| format!("usb-{host}-{ports}"))
}

/// sysfs path, e.g. `/devices/pci0000:00/0000:00:14.0/usb1/1-1/1-1.2/1-1.2:1.0/video4linux/video0`
/// → `usb-0000:00:14.0-1.2` (the last USB device component before the interface).
fn usb_from_sysfs(path: &str) -> Option<String> {
    let parts: Vec<&str> = path.split('/').filter(|p| !p.is_empty()).collect();
    let root = parts.iter().position(|p| {
        p.strip_prefix("usb")
            .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
    })?;
    let host = parts.get(root.checked_sub(1)?)?;
    let device = parts[root + 1..]
        .iter()
        .take_while(|p| !p.contains(':'))
        .filter_map(|p| p.split_once('-'))
        .filter(|(bus, ports)| bus.bytes().all(|b| b.is_ascii_digit()) && valid_ports(ports))
        .last()?;
    Some(format!("usb-{}-{}", host, device.1))
}

/// ALSA card long name, e.g. `… at usb-0000:00:14.0-1, high speed` → `usb-0000:00:14.0-1`.
fn usb_from_alsa_longname(name: &str) -> Option<String> {
    let start = name.find(" at usb-")? + " at ".len();
    let rest = &name[start..];
    let end = rest.find([',', ' ']).unwrap_or(rest.len());
    Some(rest[..end].to_string())
}

fn valid_ports(ports: &str) -> bool {
    !ports.is_empty() && ports.split('.').all(|p| p.parse::<u32>().is_ok())
}

/// Whether the provider marks the device as the system default: `is-default` (pulse, PipeWire,
/// CoreAudio), wasapi2's `device.default` (its virtual default entry), DirectSound's primary
/// device (no GUID).
pub fn is_default(f: &DeviceFacts) -> bool {
    let props = f.properties.as_deref();
    prop_bool(props, "is-default").unwrap_or(false)
        || prop_bool(props, "device.default").unwrap_or(false)
        || (api_name(&f.provider) == "directsound" && prop_string(props, "device.guid").is_none())
}

/// WirePlumber's `priority.session` (PipeWire 0.3.65 has no `is-default`; the highest priority
/// node is the default).
pub fn session_priority(props: Option<&gst::StructureRef>) -> i64 {
    prop_int(props, "priority.session").unwrap_or(0)
}

/// Sources that capture what the machine shows or plays, not a camera or a microphone:
/// Pulse/PipeWire monitor sources, WASAPI loopback, AVFoundation screens (published as
/// `Source/Monitor`, which no camera filter matches, but said here too).
pub fn is_monitor_source(props: Option<&gst::StructureRef>) -> bool {
    prop_string(props, "device.class").as_deref() == Some("monitor")
        || prop_bool(props, "wasapi2.device.loopback").unwrap_or(false)
        || prop_bool(props, "avf.capture_screen").unwrap_or(false)
}

/// A string-valued property; providers disagree on types, so numbers and booleans are
/// serialized too.
pub fn prop_string(props: Option<&gst::StructureRef>, key: &str) -> Option<String> {
    let value = props?.value(key).ok()?;
    let s = match value.get::<Option<String>>() {
        Ok(s) => s?,
        Err(_) => value.serialize().ok()?.to_string(),
    };
    (!s.is_empty()).then_some(s)
}

fn first_prop(props: Option<&gst::StructureRef>, keys: &[&str]) -> Option<String> {
    keys.iter().find_map(|k| prop_string(props, k))
}

/// A boolean property, given as a boolean or as `true`/`false`/`1`/`0` text.
pub fn prop_bool(props: Option<&gst::StructureRef>, key: &str) -> Option<bool> {
    let value = props?.value(key).ok()?;
    if let Ok(b) = value.get::<bool>() {
        return Some(b);
    }
    match prop_string(props, key)?.to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" => Some(true),
        "false" | "0" | "no" => Some(false),
        _ => None,
    }
}

/// An integer property, given as any integer type or as text.
pub fn prop_int(props: Option<&gst::StructureRef>, key: &str) -> Option<i64> {
    let value = props?.value(key).ok()?;
    if let Ok(v) = value.get::<i32>() {
        return Some(v.into());
    }
    if let Ok(v) = value.get::<u32>() {
        return Some(v.into());
    }
    if let Ok(v) = value.get::<i64>() {
        return Some(v);
    }
    prop_string(props, key)?.trim().parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn facts(provider: &str, name: &str, props: &str, internal: Option<&str>) -> DeviceFacts {
        gst::init().unwrap();
        DeviceFacts {
            provider: provider.into(),
            display_name: name.into(),
            properties: (!props.is_empty()).then(|| gst::Structure::from_str(props).unwrap()),
            internal_name: internal.map(Into::into),
        }
    }

    #[test]
    fn fake() {
        let f = facts(
            "usermediafakedeviceprovider",
            "Front camera",
            "p, usermedia.fake=(boolean)true, usermedia.device-id=cam0, usermedia.group-id=g0, \
             usermedia.facing-mode=user, is-default=(boolean)true",
            None,
        );
        let id = identify(&f);
        assert_eq!(
            id,
            Identity {
                device_id: "cam0".into(),
                group_id: "g0".into(),
                label: "Front camera".into(),
                facing_mode: Some("user".into()),
            }
        );
        let f = facts(
            "usermediafakedeviceprovider",
            "mic",
            "p, usermedia.fake=(boolean)true, usermedia.device-id=mic0",
            None,
        );
        let id = identify(&f);
        assert_eq!(id.group_id, "mic0");
        assert_eq!(id.facing_mode, None);
    }

    #[test]
    fn pipewire_uses_node_name_not_serials() {
        let props = "p, node.name=vdev-cam-720p, object.serial=43, object.id=40, device.id=12, \
                     api.libcamera.location=front, vdev.group-id=vdev-group-1, \
                     priority.session=1000, media.class=Video/Source";
        let f = facts("pipewiredeviceprovider", "Virtual Camera 720p", props, None);
        let id = identify(&f);
        assert_eq!(id.device_id, "pipewire:vdev-cam-720p");
        assert_eq!(id.group_id, "vdev-group-1");
        assert_eq!(id.facing_mode.as_deref(), Some("user"));
        assert_eq!(id.label, "Virtual Camera 720p");
        assert_eq!(session_priority(f.properties.as_deref()), 1000);

        let back = facts(
            "pipewiredeviceprovider",
            "Back",
            "p, node.name=libcamera_input.back, api.libcamera.location=back, device.id=7",
            None,
        );
        let id = identify(&back);
        assert_eq!(id.facing_mode.as_deref(), Some("environment"));
        // device.id is a per-session counter: the group falls back to the device itself.
        assert_eq!(id.group_id, "pipewire:libcamera_input.back");
    }

    #[test]
    fn usb_webcam_camera_and_mic_share_a_group() {
        // v4l2 camera and pulse mic of one webcam, via udev.
        let cam = facts(
            "v4l2deviceprovider",
            "HD Pro Webcam C920",
            "p, device.api=v4l2, device.path=/dev/video0, \
             device.bus_path=pci-0000:00:14.0-usb-0:1.2:1.0, \
             sysfs.path=/sys/devices/pci0000:00/0000:00:14.0/usb1/1-1/1-1.2/1-1.2:1.0/video4linux/video0, \
             device.serial=046d_HD_Pro_Webcam_C920_ABCD, v4l2.device.bus_info=usb-0000:00:14.0-1.2",
            None,
        );
        let mic = facts(
            "pulsedeviceprovider",
            "HD Pro Webcam C920 Analog Stereo",
            "p, device.api=alsa, device.bus_path=pci-0000:00:14.0-usb-0:1.2:1.2, \
             sysfs.path=/devices/pci0000:00/0000:00:14.0/usb1/1-1/1-1.2/1-1.2:1.2/sound/card1, \
             device.serial=046d_HD_Pro_Webcam_C920_ABCD, device.class=sound, is-default=(boolean)false",
            Some("alsa_input.usb-046d_HD_Pro_Webcam_C920_ABCD-02.analog-stereo"),
        );
        let (c, m) = (identify(&cam), identify(&mic));
        assert_eq!(c.device_id, "v4l2:pci-0000:00:14.0-usb-0:1.2:1.0");
        assert_eq!(
            m.device_id,
            "pulse:alsa_input.usb-046d_HD_Pro_Webcam_C920_ABCD-02.analog-stereo"
        );
        assert_eq!(c.group_id, "usb-0000:00:14.0-1.2");
        assert_eq!(m.group_id, c.group_id);

        // The same webcam through PipeWire nodes.
        let pw_cam = facts(
            "pipewiredeviceprovider",
            "HD Pro Webcam C920",
            "p, node.name=v4l2_input.pci-0000_00_14.0-usb-0_1.2_1.0, \
             api.v4l2.cap.bus_info=usb-0000:00:14.0-1.2, device.id=50",
            None,
        );
        let pw_mic = facts(
            "pipewiredeviceprovider",
            "HD Pro Webcam C920 Analog Stereo",
            "p, node.name=alsa_input.usb-046d_HD_Pro_Webcam_C920_ABCD-02.analog-stereo, \
             api.alsa.card.longname=\"HD Pro Webcam C920 at usb-0000:00:14.0-1.2, high speed\"",
            None,
        );
        assert_eq!(identify(&pw_cam).group_id, c.group_id);
        assert_eq!(identify(&pw_mic).group_id, c.group_id);
    }

    #[test]
    fn v4l2_fallbacks_and_serial_group() {
        let f = facts(
            "v4l2deviceprovider",
            "Cam",
            "p, device.path=/dev/video2, device.serial=XYZ",
            None,
        );
        let id = identify(&f);
        assert_eq!(id.device_id, "v4l2:XYZ");
        assert_eq!(id.group_id, "serial:XYZ");
        let f = facts(
            "v4l2deviceprovider",
            "Cam",
            "p, device.path=/dev/video2",
            None,
        );
        let id = identify(&f);
        assert_eq!(id.device_id, "v4l2:/dev/video2");
        assert_eq!(id.group_id, "v4l2:/dev/video2");
    }

    #[test]
    fn pulse_names_and_defaults() {
        let f = facts(
            "pulsedeviceprovider",
            "vdev-mic",
            "p, node.name=vdev-mic, device.description=vdev-mic, is-default=(boolean)true, \
             vdev.group-id=vdev-group-1",
            Some("vdev-mic"),
        );
        let id = identify(&f);
        assert_eq!(id.device_id, "pulse:vdev-mic");
        assert_eq!(id.group_id, "vdev-group-1");
        assert!(is_default(&f));
        assert_eq!(twin_key(&f).as_deref(), Some("vdev-mic"));

        let no_internal = facts(
            "pulsedeviceprovider",
            "Mic",
            "p, device.description=Built-in",
            None,
        );
        assert_eq!(identify(&no_internal).device_id, "pulse:Built-in");

        let monitor = facts(
            "pulsedeviceprovider",
            "Monitor of Speaker",
            "p, device.class=monitor",
            Some("speaker.monitor"),
        );
        assert!(is_monitor_source(monitor.properties.as_deref()));
    }

    #[test]
    fn libcamera_and_unknown_providers() {
        let f = facts(
            "libcameraprovider",
            "\\_SB_.PCI0.XHC_.RHUB.HS07-7:1.0-0c45:6713",
            "",
            None,
        );
        let id = identify(&f);
        assert_eq!(
            id.device_id,
            "libcamera:\\_SB_.PCI0.XHC_.RHUB.HS07-7:1.0-0c45:6713"
        );
        assert_eq!(id.group_id, id.device_id);
        let f = facts("decklinkdeviceprovider", "DeckLink Mini", "", None);
        assert_eq!(identify(&f).device_id, "decklink:DeckLink Mini");
        assert_eq!(api_name("somethingprovider"), "something");
    }

    #[test]
    fn usb_key_parsers() {
        assert_eq!(
            usb_from_id_path("platform-xhci-hcd.0.auto-usb-0:1:1.0").as_deref(),
            Some("usb-xhci-hcd.0.auto-1")
        );
        assert_eq!(usb_from_id_path("pci-0000:00:1f.3"), None);
        assert_eq!(
            usb_from_sysfs("/devices/pci0000:00/0000:00:14.0/usb1/1-1/1-1:1.3/sound/card1")
                .as_deref(),
            Some("usb-0000:00:14.0-1")
        );
        assert_eq!(
            usb_from_sysfs("/devices/pci0000:00/0000:00:1f.3/sound/card0"),
            None
        );
        assert_eq!(
            usb_from_alsa_longname("USB Audio at usb-0000:00:14.0-3 full speed").as_deref(),
            Some("usb-0000:00:14.0-3")
        );
    }

    #[test]
    fn property_types() {
        gst::init().unwrap();
        let s = gst::Structure::from_str(
            "p, a=(uint)5, b=(string)7, c=(string)true, d=(boolean)false, e=(int)-3",
        )
        .unwrap();
        let p = Some(s.as_ref());
        assert_eq!(prop_int(p, "a"), Some(5));
        assert_eq!(prop_int(p, "b"), Some(7));
        assert_eq!(prop_int(p, "e"), Some(-3));
        assert_eq!(prop_bool(p, "c"), Some(true));
        assert_eq!(prop_bool(p, "d"), Some(false));
        assert_eq!(prop_string(p, "a").as_deref(), Some("5"));
        assert_eq!(prop_string(p, "missing"), None);
    }

    #[test]
    fn windows_and_macos_keys() {
        // WinRT interface path and MMDevice id name the same endpoint.
        let winrt =
            r"\\?\SWD#MMDEVAPI#{0.0.1.00000000}.{AAAA-1}#{2eef81be-33fa-4800-9670-1cd474972c3f}";
        assert_eq!(endpoint_id(winrt), "{0.0.1.00000000}.{aaaa-1}");
        assert_eq!(
            endpoint_id("{0.0.1.00000000}.{AAAA-1}"),
            "{0.0.1.00000000}.{aaaa-1}"
        );
        assert_eq!(
            windows_usb_device(
                r"\\?\usb#vid_046d&pid_082d&mi_00#7&2b2b2f4e&0&0000#{e5323777}\global"
            )
            .as_deref(),
            Some("usb-vid_046d&pid_082d-7&2b2b2f4e&0")
        );
        assert_eq!(windows_usb_device(r"\\?\root#camera#0000#{e5323777}"), None);
        for (provider, api) in [
            ("mfdeviceprovider", "mf"),
            ("wasapi2deviceprovider", "wasapi2"),
            ("wasapideviceprovider", "wasapi"),
            ("directsoundsrcdeviceprovider", "directsound"),
            ("avfdeviceprovider", "avf"),
            ("osxaudiodeviceprovider", "osxaudio"),
        ] {
            assert_eq!(api_name(provider), api);
        }
        let mic = facts(
            "osxaudiodeviceprovider",
            "MacBook Pro Microphone",
            "p, is-default=(boolean)true, transport=builtin, unique-id=BuiltInMicrophoneDevice",
            None,
        );
        assert_eq!(identify(&mic).device_id, "osxaudio:BuiltInMicrophoneDevice");
        assert!(is_default(&mic));
        let w1 = facts(
            "wasapideviceprovider",
            "Mic",
            "p, device.api=wasapi, device.strid=\"{0.0.1.00000000}.{AAAA-1}\"",
            None,
        );
        assert_eq!(twin_key(&w1).as_deref(), Some("{0.0.1.00000000}.{aaaa-1}"));
        assert!(!is_default(&w1));
        assert_eq!(default_of(&w1), None);
    }
}
