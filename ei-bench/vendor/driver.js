// N sequential run calls through the vendor's Node.js client (edge-impulse-api).
//
// usage: node driver.js BASE_URL API_KEY ORGANIZATION_ID PIPELINE_ID CALLS WARMUP
// Prints one line: calls_per_sec=<float> peak_rss_kib=<int> (VmHWM of this process).
'use strict';
const fs = require('fs');
const { EdgeImpulseApi } = require('edge-impulse-api');

function peakRssKib() {
    const line = fs.readFileSync('/proc/self/status', 'utf8')
        .split('\n').find(l => l.startsWith('VmHWM:'));
    return line ? Number(line.split(/\s+/)[1]) : -1;
}

(async () => {
    const [baseUrl, apiKey, organization, pipeline, calls, warmup] = process.argv.slice(2);
    const api = new EdgeImpulseApi({ endpoint: baseUrl });
    await api.authenticate({ method: 'apiKey', apiKey });
    const pipelines = api.organizationPipelines;
    for (let i = 0; i < Number(warmup); i++) {
        await pipelines.runOrganizationPipeline(Number(organization), Number(pipeline));
    }
    const started = process.hrtime.bigint();
    for (let i = 0; i < Number(calls); i++) {
        const answer = await pipelines.runOrganizationPipeline(Number(organization), Number(pipeline));
        if (!answer.success) throw new Error('run failed');
    }
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    console.log(`calls_per_sec=${(Number(calls) / seconds).toFixed(1)} peak_rss_kib=${peakRssKib()}`);
})().catch(error => { console.error(error); process.exit(1); });
