"""The deadline engine: deadlines that enforce themselves.

* :mod:`.rules` — the policy in force (deadline table, desk policy, calendar, office hours),
  read once and passed around;
* :mod:`.deadlines` — what each deadline of a complaint is, and :func:`.deadlines.schedule`,
  which every service calls after changing a fact a deadline follows from;
* :mod:`.sweep` — the level-triggered sweep that Celery beat runs every minute;
* :mod:`.notifications` — who hears of what, and delivery through the channels;
* :mod:`.extensions` — the handler asks for more time, management decides.

Import the submodules themselves: this package imports nothing so that the services and the
sweep (which calls a service for the one-month rule) can use each other without a cycle.
"""
