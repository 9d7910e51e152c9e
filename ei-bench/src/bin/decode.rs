//! Decoding answers into the generated types, against `IgnoredAny` (the
//! floor: parse and discard) and `serde_json::Value`.
//!
//! Prints a markdown table: median ns per decode over many batches, and the
//! ratio to `IgnoredAny` on the same payload in the same run.

use std::hint::black_box;
use std::time::{Duration, Instant};

use ei_api::types::{ListOrganizationPipelinesResponse, RunOrganizationPipelineResponse};
use ei_bench::{list_response, long_run_response, median, LIST_PIPELINES, LONG_RUN_STEPS};
use serde::de::IgnoredAny;
use serde_json::Value;

/// Samples per decoder and payload; the median is reported.
const SAMPLES: usize = 201;
/// How long one sample (a batch of decodes) should take.
const SAMPLE_TARGET: Duration = Duration::from_millis(2);
/// Decodes run before timing, to warm caches and the allocator.
const WARMUP_DECODES: usize = 200;
/// The typed decode must stay within this multiple of `IgnoredAny`.
const GOAL_RATIO: f64 = 2.0;

type Decoder = fn(&[u8]);

fn ignored(bytes: &[u8]) {
    black_box(serde_json::from_slice::<IgnoredAny>(black_box(bytes)).expect("valid JSON"));
}

fn value(bytes: &[u8]) {
    black_box(serde_json::from_slice::<Value>(black_box(bytes)).expect("valid JSON"));
}

fn typed_run(bytes: &[u8]) {
    let decoded = serde_json::from_slice::<RunOrganizationPipelineResponse>(black_box(bytes));
    black_box(decoded.expect("the run answer decodes"));
}

fn typed_list(bytes: &[u8]) {
    let decoded = serde_json::from_slice::<ListOrganizationPipelinesResponse>(black_box(bytes));
    black_box(decoded.expect("the list answer decodes"));
}

/// How many decodes make one sample of about [`SAMPLE_TARGET`].
fn batch_size(decode: Decoder, bytes: &[u8]) -> usize {
    for _ in 0..WARMUP_DECODES {
        decode(bytes);
    }
    let started = Instant::now();
    decode(bytes);
    let once = started.elapsed().max(Duration::from_nanos(1));
    (SAMPLE_TARGET.as_nanos() / once.as_nanos()).max(1) as usize
}

/// Median ns per decode for each decoder, sampled round-robin so that any
/// drift in the machine's speed hits them all alike.
fn measure(bytes: &[u8], decoders: &[Decoder]) -> Vec<f64> {
    let batches: Vec<usize> = decoders.iter().map(|decode| batch_size(*decode, bytes)).collect();
    let mut samples = vec![Vec::with_capacity(SAMPLES); decoders.len()];
    for _ in 0..SAMPLES {
        for (index, decode) in decoders.iter().enumerate() {
            let started = Instant::now();
            for _ in 0..batches[index] {
                decode(bytes);
            }
            samples[index].push(started.elapsed() / batches[index] as u32);
        }
    }
    samples.iter_mut().map(|samples| median(samples).as_nanos() as f64).collect()
}

fn main() {
    let seed = ei_bench::SEED_RUN_RESPONSE.to_vec();
    let long = long_run_response(LONG_RUN_STEPS);
    let list = list_response(LIST_PIPELINES);
    let payloads: [(&str, &[u8], &str, Decoder); 3] = [
        ("run answer (seed, 1 step)", &seed, "RunOrganizationPipelineResponse", typed_run),
        ("run answer (200 steps)", &long, "RunOrganizationPipelineResponse", typed_run),
        ("list answer (100 pipelines)", &list, "ListOrganizationPipelinesResponse", typed_list),
    ];
    println!("| payload | size | decoder | median ns/op | vs IgnoredAny |");
    println!("|---|---:|---|---:|---:|");
    let mut verdicts = Vec::new();
    for (name, bytes, type_name, typed) in payloads {
        let names = ["IgnoredAny (floor)", "serde_json::Value", type_name];
        let times = measure(bytes, &[ignored, value, typed]);
        for (decoder, nanos) in names.iter().zip(&times) {
            let ratio = nanos / times[0];
            println!(
                "| {name} | {} B | {decoder} | {nanos:.0} | {ratio:.2}x |",
                bytes.len(),
                decoder = if decoder == &type_name {
                    format!("`{decoder}`")
                } else {
                    decoder.to_string()
                },
            );
        }
        let ratio = times[2] / times[0];
        let verdict = if ratio <= GOAL_RATIO { "met" } else { "missed" };
        verdicts
            .push(format!("{name}: typed {ratio:.2}x IgnoredAny, goal {GOAL_RATIO}x {verdict}"));
    }
    println!();
    for verdict in verdicts {
        println!("- {verdict}");
    }
}
