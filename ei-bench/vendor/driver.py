"""N sequential run calls through the vendor's Python client (edgeimpulse-api).

usage: driver.py BASE_URL API_KEY ORGANIZATION_ID PIPELINE_ID CALLS WARMUP
Prints one line: calls_per_sec=<float> peak_rss_kib=<int> (VmHWM of this process).
"""
import sys
import time

from edgeimpulse_api import ApiClient, Configuration, OrganizationPipelinesApi


def peak_rss_kib():
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return -1


def main():
    base_url, api_key, organization, pipeline, calls, warmup = sys.argv[1:7]
    organization, pipeline = int(organization), int(pipeline)
    config = Configuration(host=base_url, api_key={"ApiKeyAuthentication": api_key})
    api = OrganizationPipelinesApi(ApiClient(config))
    for _ in range(int(warmup)):
        api.run_organization_pipeline(organization, pipeline)
    started = time.perf_counter()
    for _ in range(int(calls)):
        answer = api.run_organization_pipeline(organization, pipeline)
        assert answer.success
    elapsed = time.perf_counter() - started
    print(f"calls_per_sec={int(calls) / elapsed:.1f} peak_rss_kib={peak_rss_kib()}")


main()
