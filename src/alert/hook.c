/* hook.c: alert-command, run without ever waiting on it. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "alert/hook.h"
#include "core/xmalloc.h"

struct child {
	pid_t pid;
	int64_t started;
	bool killed;
};

struct alert_hook {
	char *command;
	double per_minute;
	double tokens;          /* sends allowed now */
	int64_t refilled;       /* when tokens were last topped up */
	struct child kids[HOOK_MAX_CHILDREN];
	size_t nkids;
	size_t started, failed, dropped, dropped_said;
	char *message;
};

struct alert_hook *alert_hook_new(const char *command, double per_minute)
{
	struct alert_hook *h = xcalloc(1, sizeof(*h));

	h->refilled = -1;
	alert_hook_configure(h, command, per_minute);
	h->tokens = h->per_minute;
	return h;
}

void alert_hook_configure(struct alert_hook *h, const char *command,
			  double per_minute)
{
	if (!h)
		return;
	if (!h->command || strcmp(h->command, command ? command : "")) {
		free(h->command);
		h->command = xstrdup(command ? command : "");
	}
	h->per_minute = per_minute > 0 ? per_minute : 1;
	/* A command that exits without reading its input must not take
	 * mltop with it. */
	if (*h->command)
		signal(SIGPIPE, SIG_IGN);
}

static void say(struct alert_hook *h, char *msg)
{
	free(h->message);
	h->message = msg;
}

void alert_hook_free(struct alert_hook *h)
{
	if (!h)
		return;
	free(h->command);
	free(h->message);
	free(h);
}

static void refill(struct alert_hook *h, int64_t now)
{
	if (h->refilled < 0)
		h->refilled = now;
	h->tokens += (double)(now - h->refilled) * h->per_minute / 60000.0;
	if (h->tokens > h->per_minute)
		h->tokens = h->per_minute;
	h->refilled = now;
}

void alert_hook_send(struct alert_hook *h, const char *json, int64_t now)
{
	int fds[2];
	pid_t pid;
	size_t len;

	if (!h || !*h->command)
		return;
	alert_hook_reap(h, now);
	refill(h, now);
	if (h->tokens < 1 || h->nkids >= HOOK_MAX_CHILDREN) {
		h->dropped++;
		say(h, xasprintf("alert-command: %zu alert%s not sent (at most "
				 "%g a minute, %d at once)", h->dropped,
				 h->dropped == 1 ? "" : "s", h->per_minute,
				 HOOK_MAX_CHILDREN));
		return;
	}
	h->tokens -= 1;
	if (pipe2(fds, O_CLOEXEC) != 0) {
		h->failed++;
		say(h, xasprintf("alert-command: no pipe: %s", strerror(errno)));
		return;
	}
	pid = fork();
	if (pid < 0) {
		h->failed++;
		say(h, xasprintf("alert-command: cannot start: %s",
				 strerror(errno)));
		close(fds[0]);
		close(fds[1]);
		return;
	}
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR);

		setsid();
		signal(SIGPIPE, SIG_DFL);
		dup2(fds[0], 0);
		if (null >= 0) {
			dup2(null, 1);
			dup2(null, 2);
		}
		execl("/bin/sh", "sh", "-c", h->command, (char *)NULL);
		_exit(127);
	}
	close(fds[0]);
	/* Never block on a command that does not read: what does not fit
	 * the pipe is lost (an alert is a few hundred bytes). */
	fcntl(fds[1], F_SETFL, fcntl(fds[1], F_GETFL) | O_NONBLOCK);
	len = strlen(json);
	if (write(fds[1], json, len) != (ssize_t)len ||
	    write(fds[1], "\n", 1) != 1) {
		/* Said when the child is reaped, if it then fails. */
	}
	close(fds[1]);
	h->kids[h->nkids++] = (struct child){ pid, now, false };
	h->started++;
}

void alert_hook_reap(struct alert_hook *h, int64_t now)
{
	if (!h)
		return;
	for (size_t i = 0; i < h->nkids;) {
		struct child *c = &h->kids[i];
		int st;
		pid_t r = waitpid(c->pid, &st, WNOHANG);

		if (r == 0) {
			if (!c->killed && now - c->started > HOOK_TIMEOUT_MS) {
				kill(-c->pid, SIGKILL);
				kill(c->pid, SIGKILL);
				c->killed = true;
			}
			i++;
			continue;
		}
		if (r < 0 && errno == EINTR)
			continue;
		if (r > 0 && c->killed) {
			h->failed++;
			say(h, xasprintf("alert-command: still running after "
					 "%d s: killed", HOOK_TIMEOUT_MS / 1000));
		} else if (r > 0 && WIFEXITED(st) && WEXITSTATUS(st) != 0) {
			h->failed++;
			say(h, xasprintf("alert-command: exit %d%s",
					 WEXITSTATUS(st),
					 WEXITSTATUS(st) == 127
					 ? " (command not found?)" : ""));
		} else if (r > 0 && WIFSIGNALED(st)) {
			h->failed++;
			say(h, xasprintf("alert-command: killed by signal %d",
					 WTERMSIG(st)));
		}
		h->kids[i] = h->kids[--h->nkids];
	}
}

size_t alert_hook_running(const struct alert_hook *h)
{
	return h ? h->nkids : 0;
}

char *alert_hook_take_message(struct alert_hook *h)
{
	char *m;

	if (!h)
		return NULL;
	m = h->message;
	h->message = NULL;
	return m;
}

void alert_hook_counts(const struct alert_hook *h, size_t *started,
		       size_t *failed, size_t *dropped)
{
	*started = h ? h->started : 0;
	*failed = h ? h->failed : 0;
	*dropped = h ? h->dropped : 0;
}
