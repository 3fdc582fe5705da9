//! Resource limits and requests: `deploy.resources` and the older `cpus`, `mem_limit` and
//! `mem_reservation`, with GPUs (`gpus` and GPU device reservations) as `nvidia.com/gpu`.
//!
//! Compose reads sizes in binary units (`512m` is 512 MiB), so memory is written in the
//! largest binary unit that holds it exactly (`512Mi`), and CPUs as millicores (`500m`) or
//! whole cores.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::ResourceRequirements;
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;

use super::Code;
use super::Context;
use crate::compose::model::{ByteSize, DeviceCount, DeviceRequest, Service};

/// The extended resource the NVIDIA device plugin offers.
const GPU_RESOURCE: &str = "nvidia.com/gpu";

/// An amount of one resource, in the unit it is compared in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Amount {
    Millicores(i64),
    Bytes(i64),
}

impl Amount {
    fn quantity(self) -> Quantity {
        Quantity(match self {
            Amount::Millicores(millis) => cpu_text(millis),
            Amount::Bytes(bytes) => memory_text(bytes),
        })
    }
}

/// CPU cores as Kubernetes writes them: `2`, `500m`.
pub fn cpu_text(millis: i64) -> String {
    if millis % 1000 == 0 {
        (millis / 1000).to_string()
    } else {
        format!("{millis}m")
    }
}

/// Bytes in the largest binary unit that holds them exactly: `512Mi`, `1536Mi`, `100`.
pub fn memory_text(bytes: i64) -> String {
    const UNITS: [(&str, u32); 5] = [("Pi", 50), ("Ti", 40), ("Gi", 30), ("Mi", 20), ("Ki", 10)];
    UNITS
        .iter()
        .find(|(_, shift)| bytes != 0 && bytes % (1i64 << shift) == 0)
        .map(|(suffix, shift)| format!("{}{suffix}", bytes >> shift))
        .unwrap_or_else(|| bytes.to_string())
}

/// Cores (fractions allowed) as millicores; a positive amount never rounds down to zero.
fn millicores(cpus: f32) -> i64 {
    ((f64::from(cpus) * 1000.0).round() as i64).max(1)
}

/// The container's resources, if the service sets any.
pub fn resources(
    cx: &mut Context<'_>,
    name: &str,
    service: &Service,
) -> Option<ResourceRequirements> {
    let mut limits = BTreeMap::new();
    let mut requests = BTreeMap::new();
    let deploy = service.deploy.as_ref().map(|d| &d.resources);
    let deploy_limits = deploy.and_then(|r| r.limits.as_ref());
    let reservations = deploy.and_then(|r| r.reservations.as_ref());

    let cpu_limit = deploy_limits
        .map(|l| ("deploy.resources.limits.cpus", l.cpus))
        .filter(|(_, cpus)| *cpus != 0.0)
        .unwrap_or(("cpus", service.cpus));
    let memory_limit = deploy_limits
        .and_then(|l| l.memory.map(|m| ("deploy.resources.limits.memory", m)))
        .filter(|(_, memory)| !memory.is_zero())
        .or_else(|| service.mem_limit.map(|m| ("mem_limit", m)));
    let cpu_request = reservations.map(|r| ("deploy.resources.reservations.cpus", r.cpus));
    let memory_request = reservations
        .and_then(|r| {
            r.memory
                .map(|m| ("deploy.resources.reservations.memory", m))
        })
        .filter(|(_, memory)| !memory.is_zero())
        .or_else(|| service.mem_reservation.map(|m| ("mem_reservation", m)));

    insert_some(&mut limits, "cpu", cpu_amount(cx, name, cpu_limit));
    insert_some(&mut limits, "memory", memory_amount(cx, name, memory_limit));
    let cpu_request = cpu_request.and_then(|cpu| cpu_amount(cx, name, cpu));
    insert_some(&mut requests, "cpu", cpu_request);
    insert_some(
        &mut requests,
        "memory",
        memory_amount(cx, name, memory_request),
    );
    cap_requests_at_limits(cx, name, &mut requests, &limits);

    let mut limits: BTreeMap<String, Quantity> = quantities(limits);
    let gpus = gpu_count(cx, name, service);
    if gpus > 0 {
        limits.insert(GPU_RESOURCE.to_string(), Quantity(gpus.to_string()));
    }
    let requests = quantities(requests);
    if limits.is_empty() && requests.is_empty() {
        return None;
    }
    Some(ResourceRequirements {
        limits: (!limits.is_empty()).then_some(limits),
        requests: (!requests.is_empty()).then_some(requests),
        ..Default::default()
    })
}

fn insert_some(map: &mut BTreeMap<String, Amount>, resource: &str, amount: Option<Amount>) {
    if let Some(amount) = amount {
        map.insert(resource.to_string(), amount);
    }
}

fn quantities(amounts: BTreeMap<String, Amount>) -> BTreeMap<String, Quantity> {
    amounts
        .into_iter()
        .map(|(resource, amount)| (resource, amount.quantity()))
        .collect()
}

fn cpu_amount(cx: &mut Context<'_>, name: &str, (key, cpus): (&str, f32)) -> Option<Amount> {
    if cpus == 0.0 {
        return None;
    }
    if !(cpus > 0.0 && cpus.is_finite()) {
        cx.report.warn(
            Code::InvalidValue,
            name,
            key,
            format!("{cpus} is not a positive number of CPUs; no amount is set"),
        );
        return None;
    }
    Some(Amount::Millicores(millicores(cpus)))
}

fn memory_amount(
    cx: &mut Context<'_>,
    name: &str,
    size: Option<(&str, ByteSize)>,
) -> Option<Amount> {
    let (key, size) = size?;
    match size.bytes() {
        0 => None,
        bytes if bytes < 0 => {
            cx.report.warn(
                Code::InvalidValue,
                name,
                key,
                format!("{bytes} is not a positive size; no amount is set"),
            );
            None
        }
        bytes => Some(Amount::Bytes(bytes)),
    }
}

/// Kubernetes refuses a request above its limit; the limit is what the container can use,
/// so the request comes down to it.
fn cap_requests_at_limits(
    cx: &mut Context<'_>,
    name: &str,
    requests: &mut BTreeMap<String, Amount>,
    limits: &BTreeMap<String, Amount>,
) {
    for (resource, request) in requests.iter_mut() {
        let Some(&limit) = limits.get(resource) else {
            continue;
        };
        if *request > limit {
            cx.report.warn(
                Code::RequestAboveLimit,
                name,
                "deploy.resources.reservations",
                format!(
                    "the {resource} reservation {} is above the limit {}; the request is set \
                     to the limit, as Kubernetes requires",
                    request.quantity().0,
                    limit.quantity().0
                ),
            );
            *request = limit;
        }
    }
}

/// The GPUs of `gpus` and of GPU device reservations; other device requests are reported.
fn gpu_count(cx: &mut Context<'_>, name: &str, service: &Service) -> u64 {
    let reserved = service
        .deploy
        .as_ref()
        .and_then(|d| d.resources.reservations.as_ref())
        .map(|r| r.devices.as_slice())
        .unwrap_or_default();
    let mut total = 0;
    for request in &service.gpus {
        total += gpus_requested(cx, name, "gpus", request);
    }
    let key = "deploy.resources.reservations.devices";
    for request in reserved {
        if request.capabilities.iter().any(|c| c == "gpu") {
            total += gpus_requested(cx, name, key, request);
        } else {
            cx.report.warn_with_hint(
                Code::DeviceRequestChanged,
                name,
                key,
                format!(
                    "a device request for {:?} is not translated: only GPUs have a standard \
                     Kubernetes resource",
                    request.capabilities
                ),
                "request the device plugin's extended resource in the container's limits",
            );
        }
    }
    total
}

/// How many GPUs one request stands for; what a count cannot say is reported.
fn gpus_requested(cx: &mut Context<'_>, name: &str, key: &str, request: &DeviceRequest) -> u64 {
    if request.driver.as_deref().is_some_and(|d| d != "nvidia") {
        cx.report.warn_with_hint(
            Code::DeviceRequestChanged,
            name,
            key,
            format!(
                "GPUs of the driver {:?} are requested as {GPU_RESOURCE}",
                request.driver.as_deref().unwrap_or_default()
            ),
            "use the resource name of that vendor's device plugin",
        );
    }
    if !request.options.is_empty() {
        cx.report.warn(
            Code::DeviceRequestChanged,
            name,
            key,
            "device request options are not translated: Kubernetes requests GPUs by count",
        );
    }
    if !request.device_ids.is_empty() {
        cx.report.warn(
            Code::DeviceRequestChanged,
            name,
            key,
            format!(
                "the device ids {:?} are not kept: Kubernetes chooses the GPUs, and {} of \
                 them are requested",
                request.device_ids,
                request.device_ids.len()
            ),
        );
        return request.device_ids.len() as u64;
    }
    match request.count {
        Some(DeviceCount::Count(count)) => count,
        Some(DeviceCount::All) | None => {
            cx.report.warn_with_hint(
                Code::DeviceRequestChanged,
                name,
                key,
                "`all` GPUs has no Kubernetes equivalent: 1 GPU is requested",
                "set the number of GPUs the service needs",
            );
            1
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memory_takes_the_largest_exact_binary_unit() {
        let cases = [
            (512 << 20, "512Mi"),
            (1 << 30, "1Gi"),
            (1_610_612_736, "1536Mi"),
            (1536, "1536"),
            (2048, "2Ki"),
            (100, "100"),
            (3 << 40, "3Ti"),
            (1 << 50, "1Pi"),
            (12_582_912, "12Mi"),
        ];
        for (bytes, text) in cases {
            assert_eq!(memory_text(bytes), text, "{bytes}");
        }
    }

    #[test]
    fn cpus_are_millicores_or_whole_cores() {
        let cases = [
            (0.5, "500m"),
            (1.0, "1"),
            (2.0, "2"),
            (0.1, "100m"),
            (1.25, "1250m"),
            (0.0001, "1m"),
        ];
        for (cpus, text) in cases {
            assert_eq!(cpu_text(millicores(cpus)), text, "{cpus}");
        }
    }
}
