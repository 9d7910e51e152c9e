//! N sequential run calls through `ei-api-ext`, in a process of their own,
//! for the comparison with the vendor's clients (`vendor_compare`).
//!
//! usage: sdk_sequential BASE_URL API_KEY ORGANIZATION_ID PIPELINE_ID CALLS WARMUP
//! Prints one line: `calls_per_sec=<float> peak_rss_kib=<int>` (`VmHWM`).

use std::time::Instant;

use ei_api_ext::{Client, OrganizationId, PipelineId};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [base_url, api_key, organization, pipeline, calls, warmup] = args.as_slice() else {
        eprintln!(
            "usage: sdk_sequential BASE_URL API_KEY ORGANIZATION_ID PIPELINE_ID CALLS WARMUP"
        );
        std::process::exit(2);
    };
    let number = |text: &str| text.parse::<i64>().expect("a number");
    let (calls, warmup) = (number(calls), number(warmup));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime builds");
    runtime.block_on(async {
        let client = Client::builder().api_key(api_key).base_url(base_url).build().expect("build");
        let pipeline = client
            .pipeline(OrganizationId::new(number(organization)), PipelineId::new(number(pipeline)));
        for _ in 0..warmup {
            pipeline.run().send().await.expect("run");
        }
        let started = Instant::now();
        for _ in 0..calls {
            std::hint::black_box(pipeline.run().send().await.expect("run"));
        }
        let rate = calls as f64 / started.elapsed().as_secs_f64();
        let peak = ei_bench::peak_rss_kib().map_or(-1, |kib| kib as i64);
        println!("calls_per_sec={rate:.1} peak_rss_kib={peak}");
    });
}
