/**
 * Auto Scaling's administrative suspension (review 5 finding 3), from the Auto Scaling User Guide "Suspend
 * and resume processes" (as-suspend-resume-processes.html): "Amazon EC2 Auto Scaling can also suspend
 * processes for Auto Scaling groups that repeatedly fail to launch instances. This is known as an
 * administrative suspension. An administrative suspension most commonly applies to Auto Scaling groups that
 * have been trying to launch instances for over 24 hours but have not succeeded in launching any
 * instances. You can resume processes that were suspended by Amazon EC2 Auto Scaling for administrative
 * reasons."
 *
 * - A group's launches "keep failing" from its first failed launch activity (EC2 refused the instance, or
 *   its launch hook abandoned it) until a launch succeeds (its launch hooks done with CONTINUE, or none).
 * - The first failed launch more than 24 hours after that suspends `Launch` (shown in SuspendedProcesses);
 *   what a suspended Launch does is the engine's (asg-replacement.ts, asg-launch-failures.ts):
 *   replacements and capacity launches wait until it is resumed (ResumeProcesses, asg-processes.ts).
 * - The `SuspensionReason` text is a [decision]: AWS documents the suspension, not its wording; the sim
 *   writes "Administrative suspension at <time>: …" next to the user form "User suspended at <time>".
 *   No event is sent (AWS documents none).
 */
import type { AsgModel } from "./state";

export const ADMINISTRATIVE_SUSPENSION_MS = 24 * 3_600_000;

const isoSeconds = (at: number): string => `${new Date(at).toISOString().slice(0, 19)}Z`;

/** A launch of the group failed at `at`: suspends Launch once its launches have failed for over 24 hours. */
export function noteFailedLaunch(group: AsgModel, at: number): void {
  group.launchFailingSince ??= at;
  if (at - group.launchFailingSince <= ADMINISTRATIVE_SUSPENSION_MS) return;
  if (group.suspendedProcesses?.has("Launch") === true) return;
  group.suspendedProcesses ??= new Map();
  group.suspendedProcesses.set("Launch", at);
  group.administrativeSuspensions ??= new Set();
  group.administrativeSuspensions.add("Launch");
}

/** A launch of the group succeeded: its launches no longer keep failing. */
export function noteSuccessfulLaunch(group: AsgModel): void {
  group.launchFailingSince = undefined;
}

/** The `SuspensionReason` of a suspended process. */
export function suspensionReason(group: AsgModel, process: string, at: number): string {
  return group.administrativeSuspensions?.has(process) === true
    ? `Administrative suspension at ${isoSeconds(at)}: the group has been trying to launch instances for over 24 hours without success`
    : `User suspended at ${isoSeconds(at)}`;
}
