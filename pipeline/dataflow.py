"""Submitting a job, Dataflow's own checks and messages, and dry runs (the job graph built, not run)."""
import logging
import sys

from apache_beam.options.pipeline_options import GoogleCloudOptions

from wirebeam.pipeline.checks import UsageError
from wirebeam.transforms.files import is_local

log = logging.getLogger("wirebeam")


def check_paths(opts, paths, dry_run: bool) -> None:
    """Dataflow workers see neither the launching machine's files nor its disk."""
    problems = []
    local_inputs = [p for p in paths if is_local(p)]
    if local_inputs:
        problems.append(f"{len(local_inputs)} input files are local (e.g. {local_inputs[0]}); Dataflow workers "
                        f"cannot read them: copy them to a bucket and pass --input 'gs://BUCKET/...'")
    if is_local(opts.output):
        problems.append(f"--output {opts.output} is local; Dataflow workers would write to their own disks: "
                        f"pass --output gs://BUCKET/PATH")
    if not problems:
        return
    if dry_run:
        for problem in problems:
            log.warning("a real run would stop here: %s", problem)
        return
    raise UsageError("; ".join(problems))


def check_template(options, commit_in_job: bool) -> None:
    if options.view_as(GoogleCloudOptions).template_location and not commit_in_job:
        # A Flex Template launch passes --template_location: the run only writes the job's description,
        # Dataflow starts the job later, and no driver is left to wait for it and commit.
        raise UsageError("--template_location writes a job description instead of running the job, so nothing "
                         "would commit its output: add --commit-in-job (deploy/dataflow/main.py does)")


def submit(pipeline, on_dataflow: bool):
    """pipeline.run(), with advice when DataflowRunner lacks Beam's GCP clients."""
    try:
        return pipeline.run()
    except ImportError as exc:
        if on_dataflow:
            raise UsageError(f"{exc}: install wirebeam with its Dataflow extra, pip install 'wirebeam[dataflow]'")
        raise


def job_page(result, options) -> str:
    """The Dataflow console page of a submitted job, where its progress shows."""
    gcp = options.view_as(GoogleCloudOptions)
    return f"https://console.cloud.google.com/dataflow/jobs/{gcp.region}/{result.job_id()}?project={gcp.project}"


def report_submitted(result, options, out_dir: str) -> None:
    """What a --commit-in-job launch on Dataflow prints: it does not wait for the job."""
    gcp = options.view_as(GoogleCloudOptions)
    if not getattr(result, "has_job", False):  # --template_location: a Flex Template launch
        print(f"\nwirebeam: job description written to {gcp.template_location}; Dataflow starts the job from it.\n"
              f"  output      {out_dir} (the job's last step writes run.json and commits it there)")
        return
    job_id = result.job_id()
    print(f"\nwirebeam: Dataflow job {job_id} submitted; not waiting for it (--commit-in-job).\n"
          f"  output      {out_dir} (the job's last step writes run.json and commits it there)\n"
          f"  follow it   {job_page(result, options)}")


def stages(proto):
    """Top-level steps of a pipeline proto, in order, with the number of transforms inside each."""
    transforms = proto.components.transforms

    def count(tid):
        return 1 + sum(count(sub) for sub in transforms[tid].subtransforms)

    found = []
    for root in proto.root_transform_ids:
        subs = transforms[root].subtransforms or [root]
        found += [(transforms[t].unique_name, count(t)) for t in subs]
    return found


def dry_run_report(pipeline, runner, on_dataflow: bool, out_dir: str, n_inputs: int, out=None) -> int:
    """Build the job graph as the runner would submit it, without running or writing anything."""
    if on_dataflow:
        proto = submit(pipeline, on_dataflow).job.proto_pipeline  # with --dry_run: built, not submitted
    else:
        proto = pipeline.to_runner_api()
    steps = stages(proto)
    images = sorted({_container_image(env) for env in proto.components.environments.values()} - {None})
    w = (out or sys.stdout).write
    w(f"\nwirebeam: dry run on {runner}: the job graph was built ({len(proto.components.transforms)} transforms in "
      f"{len(steps)} stages) and not submitted.\n")
    w(f"  nothing was read, run or written; {out_dir} is untouched and no run.json was made\n")
    w(f"  inputs      {n_inputs} files matched on this machine\n")
    w(f"  stages      {', '.join(f'{name} ({n})' for name, n in steps)}\n")
    if images:
        w(f"  workers     container image {', '.join(images)}\n")
    return 0


def _container_image(env):
    from apache_beam.portability import common_urns
    from apache_beam.portability.api import beam_runner_api_pb2
    if env.urn != common_urns.environments.DOCKER.urn:
        return None
    return beam_runner_api_pb2.DockerPayload.FromString(env.payload).container_image
