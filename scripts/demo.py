"""One whole automation cycle on the local AWS emulator, printed as a timeline.

    python -m scripts.demo --combination data-refresh/full-load/schedule [--fail] [--keep]

1. starts the emulator (moto's server plus the project's extension) on a free loopback port and,
   at the same time, one AWS provider process that every terraform command of the run attaches to;
   (a throwaway MariaDB starts in the background during the apply, its "production" schema seeded
   with customers);
2. creates a DMS replication instance, two endpoints (the MariaDB's, for a full-load combination)
   and a task in it (boto3), and the target database's secret (a password generated for this run);
3. applies examples/local: the real modules/automation on that task, with after-load masking;
4. drives one cycle as AWS would: the schedule fires the starter (run from the package the module
   deployed), the task starts, its full load copies production.customers into staging, and the
   trigger is disabled; DMS ends the run and publishes its notification to the SNS topic; SNS
   delivers it to the post-process Lambda, which masks staging.customers and re-arms the trigger
   (schedule) or leaves it disarmed (one-time). The rows are printed as loaded and as masked, and
   the demo fails if any production name, e-mail or phone number is still readable;
5. destroys what it created and stops the emulator (unless ``--keep``).

Terraform state lives in a temporary directory per run, the emulator in its own process group;
Ctrl-C, SIGTERM or a crash at any point stops the emulator and the provider, so nothing is left
for the next run.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import sys
import time
from collections.abc import Iterator
from typing import Any

import tftest

from scripts.cycle import CycleResult, run_cycle
from scripts.sample_data import SENSITIVE, SampleDatabase, readable_production_values
from scripts.stack import ALL_COMBINATIONS, EXAMPLE_DIR, REGION, TASK_ID, Combination, EmulatedStack, Timeline


def _phases(phases: dict[str, float]) -> str:
    return ", ".join(f"{name} {seconds:.1f}s" for name, seconds in phases.items())


def _install_signal_handlers() -> None:
    def interrupted(signum: int, _frame: Any) -> None:
        raise KeyboardInterrupt(f"signal {signum}")

    signal.signal(signal.SIGTERM, interrupted)
    with contextlib.suppress(ValueError, AttributeError):
        signal.signal(signal.SIGHUP, interrupted)


def _masking_verdict(result: CycleResult) -> tuple[bool, str]:
    """Whether the target held production data after the load and none of it after post-processing."""
    if not result.rows_loaded or not readable_production_values(result.rows_loaded):
        return False, "FAILED: the full load did not copy the production rows, so nothing was shown masked"
    if result.rows_after is None or result.readable:
        problems = "\n    ".join(result.readable)
        print(f"\nPRODUCTION DATA IS READABLE AFTER POST-PROCESSING:\n    {problems}", file=sys.stderr)
        return False, f"FAILED: {len(result.readable)} production values readable in staging.customers"
    return True, (
        f"{len(result.rows_after)} rows of staging.customers loaded with production values, "
        f"{', '.join(SENSITIVE)} masked; none readable"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scripts.demo", description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--combination",
        default="data-refresh/full-load/schedule",
        help="indicator/type/mode, one of: " + ", ".join(c.label for c in ALL_COMBINATIONS),
    )
    parser.add_argument("--fail", action="store_true", help="make the DMS run fail instead of completing")
    parser.add_argument(
        "--keep", action="store_true", help="leave the stack and the emulator up for poking at"
    )
    parser.add_argument(
        "--no-data",
        action="store_true",
        help="the cycle without the sample database: no MariaDB, no full load and no masking",
    )
    parser.add_argument(
        "--terraform-destroy",
        action="store_true",
        help="run terraform destroy before stopping the emulator (by default the stack, which exists only "
        "in the emulator, goes with it: the AWS provider's fixed waits make a destroy take ~25 s)",
    )
    args = parser.parse_args(argv)
    try:
        combination = Combination.parse(args.combination)
    except ValueError as error:
        parser.error(str(error))

    _install_signal_handlers()
    timeline = Timeline()
    outcome = "failed" if args.fail else "stopped"
    print(f"DMS automation demo: {combination.label}, run {'fails' if args.fail else 'succeeds'}")
    stack = EmulatedStack(timeline=timeline, data=None if args.no_data else SampleDatabase())
    kept = interrupted = False
    try:
        timeline.step("Start the local AWS emulator and the AWS provider; terraform init")
        stack.start()
        timeline.detail(f"emulator listening on {stack.emulator.endpoint} (log: {stack.emulator.log_path})")
        if stack.provider is not None:
            timeline.detail(
                "every terraform command attaches to one provider process (TF_REATTACH_PROVIDERS)"
            )

        timeline.step(f"Create a DMS task in the emulator: {TASK_ID} ({combination.refresh_type})")
        with stack.phase("task"):
            task = stack.create_task(combination)
        timeline.detail(f"{task['ReplicationTaskArn']} -> {task['Status']}")
        masking = stack.masking_inputs(combination)
        if masking:
            timeline.detail(
                "endpoints: the local MariaDB (user dms); table mappings: production.% -> schema staging"
            )
            timeline.detail(
                f"target secret {masking['masking_secret_arn']} "
                "(user masking, password generated for this run)"
            )
        elif not args.no_data:
            timeline.detail(
                f"no data: after-load masking is refused for {combination.refresh_type} tasks, which never "
                "stop by themselves (DMS masks their changes while loading)"
            )

        timeline.step(
            f"terraform apply {EXAMPLE_DIR} (modules/automation on that task)"
            + ("; MariaDB starts meanwhile" if masking else "")
        )
        outputs = stack.apply(combination, task)
        for key in (
            "event_rule_name",
            "starter_function_name",
            "post_process_function_name",
            "sns_topic_arn",
            "event_subscription_name",
            "state_table_name",
        ):
            timeline.detail(f"{key} = {outputs[key]}")
        timeline.detail(f"rule {outputs['event_rule_name']} is {stack.rule_state()}")

        with stack.phase("cycle"):
            result = run_cycle(stack, combination, task["ReplicationTaskArn"], outcome)

        expected_rule = (
            "ENABLED"
            if combination.is_schedule or (outcome == "failed" and combination.is_schedule)
            else ("DISABLED")
        )
        masked = _masking_verdict(result) if masking else None
        ok = (
            result.rule_after_start == "DISABLED"
            and result.task_after_start == "running"
            and result.rule_after_post_process == expected_rule
            and not result.starter.failed
            and (outcome == "failed" or not any(p.failed for p in result.post_process))
            and (masked is None or masked[0])
        )
        print("\nSummary")
        print(f"  combination           {combination.label}")
        print(
            f"  started with          {result.start_type}; task {result.task_after_start}, "
            f"rule {result.rule_after_start} while running"
        )
        print(f"  run ended             task {result.task_after_run}")
        print(f"  after post-process    rule {result.rule_after_post_process} (expected {expected_rule})")
        if masked is not None:
            print(f"  masking               {masked[1]}")
        print(
            f"  result                {'OK' if ok else 'UNEXPECTED'} "
            f"in {time.monotonic() - timeline.started:.1f}s"
        )

        print("  phases                " + _phases(stack.phases))

        if args.keep:
            kept = True
            print(
                f"\nKept running: AWS_ENDPOINT_URL={stack.emulator.endpoint} "
                f"(fake credentials, region {REGION})"
            )
            print(
                f"  e.g. AWS_ENDPOINT_URL={stack.emulator.endpoint} "
                "AWS_ACCESS_KEY_ID=x AWS_SECRET_ACCESS_KEY=x "
                f"aws --region {REGION} events describe-rule --name {outputs['event_rule_name']}"
            )
            print(f"  Terraform state: {stack.state_path}")
            print("  Press Ctrl-C to destroy the stack and stop the emulator.")
            with contextlib.suppress(KeyboardInterrupt):
                while stack.emulator.process is not None and stack.emulator.process.poll() is None:
                    time.sleep(1)
            kept = False
        return 0 if ok else 1
    except tftest.TerraformTestError as error:
        text = " ".join(str(part) for part in error.args if part)
        errors = [line for line in text.splitlines() if line.startswith("Error")] or text.splitlines()[-5:]
        print("\nterraform failed:\n  " + "\n  ".join(dict.fromkeys(errors)), file=sys.stderr)
        interrupted = True  # nothing to destroy that stopping the emulator does not remove
        return 1
    except KeyboardInterrupt:
        # Everything lives in the emulator's memory: stopping it is the fastest complete clean-up.
        print("\ninterrupted: stopping the emulator and the provider", file=sys.stderr)
        interrupted = True
        return 130
    finally:
        if not kept:
            destroy = args.terraform_destroy and not interrupted
            resources = stack.resource_count()
            if destroy:
                timeline.step("terraform destroy; stop the emulator")
            else:
                timeline.step("Tear down: stop the emulator and the provider, delete the Terraform state")
                if resources and not interrupted:
                    timeline.detail(
                        f"the {resources} resources applied exist only in the emulator and go with it "
                        "(--terraform-destroy runs terraform destroy first)"
                    )
            stack.stop(destroy=destroy)
            timeline.detail(_phases(stack.phases))
            timeline.detail(f"done in {time.monotonic() - timeline.started:.1f}s")


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    sys.exit(main())


def _iter_combinations() -> Iterator[Combination]:  # pragma: no cover - convenience for the REPL
    yield from ALL_COMBINATIONS
