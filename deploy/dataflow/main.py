"""Entry point of the wirebeam Flex Template.

Dataflow's launcher runs this file (FLEX_TEMPLATE_PYTHON_PY_FILE) with the template's parameters as
--name=value flags, next to the Dataflow options it sets itself (project, region, job name, temp and
staging locations, and any --parameters sdk_container_image=... given at launch).

The launcher builds the job and ends; it does not stay up until the job is finished (and when the job is
handed over as a description, --template_location, there is no job to wait for at all). So the job has to
publish its own output: this entry always adds --commit-in-job, and `wirebeam run` then returns as soon as
the job is handed over, while the job's last step writes run.json and commits OUTPUT.
"""
import os
import sys


def launch_args(argv, image=None):
    """The `wirebeam run` arguments for a template launch: DataflowRunner unless another runner is named,
    --commit-in-job, and the workers' container image (this image, baked in at build time) unless given."""
    args = list(argv)

    def given(*names):
        return any(a == n or a.startswith(n + "=") for a in args for n in names)

    if not given("--runner"):
        args.append("--runner=DataflowRunner")
    if not given("--commit-in-job", "--commit_in_job"):
        args.append("--commit_in_job")
    image = os.environ.get("WIREBEAM_SDK_CONTAINER_IMAGE") if image is None else image
    if image and not given("--sdk_container_image", "--worker_harness_container_image"):
        args.append(f"--sdk_container_image={image}")
    return ["run", *args]


if __name__ == "__main__":
    from wirebeam.pipeline.cli import main
    sys.exit(main(launch_args(sys.argv[1:])))
