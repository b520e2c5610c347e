/* main.c: mltop's entry point: options, the store, then a command or the
 * dashboard. Exit status: 0 ok, 1 usage (or declined), 2 store error,
 * 3 conflict, 4 --if not met, 5 refused by --read-only, 6 the output
 * could not be written. */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <langinfo.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "alert/rules.h"
#include "cli/cli.h"
#include "cli/commands.h"
#include "config/conffile.h"
#include "config/options.h"
#include "core/msg.h"
#include "core/sanitize.h"
#include "core/clock.h"
#include "core/xmalloc.h"
#include "demo/demo.h"
#include "pipeline/pipeline.h"
#include "store/store.h"
#include "ui/draw.h"
#include "ui/keymap.h"
#include "ui/theme.h"
#include "ui/tui.h"
#include "ui/ui_config.h"

static void usage(FILE *f)
{
	cli_commands_print_usage(f);
	fputs("\n"
	      "A terminal dashboard for MLflow experiments and runs.\n"
	      "\n"
	      "Options:\n"
	      "  -u, --tracking-uri URI  store to open: sqlite:///rel.db,\n"
	      "                          sqlite:////abs.db or a path (default:\n"
	      "                          $MLFLOW_TRACKING_URI, else ./mlflow.db)\n"
	      "  -e, --experiment EXP    experiment name or id (dashboard: open\n"
	      "                          its runs; runs: only its runs)\n"
	      "  -r, --refresh SECONDS   live refresh interval (default 2)\n"
	      "      --timeout SECONDS   longest wait for a tracking server's\n"
	      "                          reply (default 30)\n"
	      "  -c, --config FILE       config file (default\n"
	      "                          $XDG_CONFIG_HOME/mltop/config)\n"
	      "      --no-config         ignore the config file\n"
	      "      --theme NAME        dark, light, mono or a theme file\n"
	      "      --ascii             draw with ASCII only\n"
	      "      --read-only         never write to the store (promote and\n"
	      "                          rollback show the plan, exit 5)\n"
	      "      --json              scripting output in MLflow's REST shapes\n"
	      "      --alias ALIAS       promote/rollback: move this alias\n"
	      "      --stage STAGE       promote/rollback: Staging, Production,\n"
	      "                          Archived or None\n"
	      "      --archive-existing  promote --stage: archive the versions\n"
	      "                          already in that stage\n"
	      "      --note TEXT         promote/rollback: why, kept in the history\n"
	      "      --if COND           promote only when the source run's latest\n"
	      "                          metrics pass: 'metrics.KEY OP NUMBER\n"
	      "                          [and ...]', OP one of >= > <= < == !=\n"
	      "      --yes               write without asking\n"
	      "      --diff              compare: only the rows that differ\n"
	      "      --filter FILTER     runs: MLflow's search filter, e.g.\n"
	      "                          \"metrics.val_loss < 0.1 and\n"
	      "                          params.optimizer = 'adam'\"\n"
	      "      --order-by ORDER    runs: 'metrics.val_loss ASC' and the\n"
	      "                          like (again for more keys)\n"
	      "      --max-results N     runs: at most N runs (1 to 50000)\n"
	      "      --all               include deleted experiments and runs\n"
	      "      --demo              run on a fresh demo store with a\n"
	      "                          simulated trainer\n"
	      "      --demo-create PATH  write the demo store to PATH and exit\n"
	      "      --demo-trainer PATH run the simulated trainer on PATH\n"
	      "                          (--ticks N, --interval MS)\n"
	      "  -h, --help              this help\n"
	      "  -V, --version           version\n"
	      "\n"
	      "Settings (config file `set NAME VALUE`, or `:set` in the dashboard):\n",
	      f);
	options_print_help(f, false);
	fputs("\nExit status: 0 ok, 1 usage error (or declined at the prompt),\n"
	      "2 store error, 3 conflict (moved since read), 4 --if not met,\n"
	      "5 refused by --read-only, 6 the output could not be written.\n",
	      f);
}

static const char *default_uri(void)
{
	const char *env = getenv("MLFLOW_TRACKING_URI");
	struct stat sb;

	if (env && *env)
		return env;
	if (stat("mlflow.db", &sb) == 0)
		return "mlflow.db";
	return NULL;
}

static int run_demo(const struct tui_opts *to, bool read_only)
{
	const char *base = getenv("XDG_RUNTIME_DIR");
	char *dir = xasprintf("%s/mltop-demo-XXXXXX",
			      base && *base ? base : "/tmp");
	char *path, *err = NULL, *uri;
	struct model m;
	struct store *s;
	pid_t trainer;
	int rc;

	if (!mkdtemp(dir)) {
		free(dir);
		dir = xstrdup("/tmp/mltop-demo-XXXXXX");
		if (!mkdtemp(dir))
			die("cannot make a directory for the demo store");
	}
	path = xasprintf("%s/mlflow.db", dir);
	if (demo_create(path, clock_now_ms(), &err) != 0) {
		msg_err("demo: %s", err);
		free(err);
		free(path);
		free(dir);
		return 2;
	}
	trainer = demo_trainer_start(path, &err);
	if (trainer < 0) {
		msg_err("demo trainer: %s", err);
		free(err);
		err = NULL;
	}
	model_init(&m);
	uri = xasprintf("sqlite:///%s", path);
	s = store_open(uri, &m, &err);
	if (!s) {
		msg_err("%s", err);
		rc = 2;
	} else {
		struct tui_opts dto = *to;

		/* The demo leaves nothing behind: its alerts neither. */
		dto.alerts_no_state = true;
		s->read_only = read_only;
		rc = tui_run(s, &dto);
		store_close(s);
	}
	if (trainer > 0)
		demo_trainer_stop(trainer);
	model_free(&m);
	/* The demo leaves nothing behind. */
	unlink(path);
	{
		char *wal = xasprintf("%s-wal", path), *shm = xasprintf("%s-shm", path),
		     *jr = xasprintf("%s-journal", path);

		unlink(wal);
		unlink(shm);
		unlink(jr);
		free(wal);
		free(shm);
		free(jr);
	}
	rmdir(dir);
	free(uri);
	free(path);
	free(dir);
	return rc;
}

/* The URI of the pipeline source: -p, else MLTOP_PIPELINES_URI, else
 * `set pipelines` in the config file, else PREFECT_API_URL (as Prefect's
 * client reads it: the API's base, ".../api"); NULL when none. */
static const char *pipelines_uri(const char *flag)
{
	static char *prefect;
	const char *uri = flag;

	if (!uri || !*uri)
		uri = getenv("MLTOP_PIPELINES_URI");
	if (!uri || !*uri)
		uri = opt_string(OPT_PIPELINES);
	if ((!uri || !*uri) && getenv("PREFECT_API_URL") &&
	    *getenv("PREFECT_API_URL")) {
		if (!prefect)
			prefect = xasprintf("prefect+%s",
					    getenv("PREFECT_API_URL"));
		uri = prefect;
	}
	return uri && *uri ? uri : NULL;
}

/* The dashboard shows pipelines too when a source is given. */
static int open_dashboard_pipes(const char *flag, bool read_only,
				struct tui_opts *to)
{
	const char *uri = pipelines_uri(flag);
	struct pipe_model *pm;
	char *err = NULL;

	if (!uri)
		return 0;
	pm = xcalloc(1, sizeof(*pm));
	pipe_model_init(pm);
	to->pipes = pipe_open(uri, pm, &err);
	if (!to->pipes) {
		msg_err("%s", err);
		free(err);
		free(pm);
		return -1;
	}
	to->pipes->read_only = read_only;
	return 0;
}

/* A pipeline command: on -p URI, else MLTOP_PIPELINES_URI, else the
 * config file's `set pipelines`. */
static int run_pipeline_command(const struct cli_command *cc,
				const struct cli_opts *co, const char *uri,
				bool read_only)
{
	struct pipe_model pm;
	struct pipe_source *p;
	char *err = NULL;
	int rc;

	uri = pipelines_uri(uri);
	if (!uri) {
		fputs("mltop: no pipeline source: pass -p "
		      "airflow+http://HOST:PORT (or prefect+http://HOST:PORT/"
		      "api) or set MLTOP_PIPELINES_URI\n", stderr);
		return 2;
	}
	pipe_model_init(&pm);
	p = pipe_open(uri, &pm, &err);
	if (!p) {
		msg_err("%s", err);
		free(err);
		pipe_model_free(&pm);
		return 2;
	}
	p->read_only = read_only;
	p->deadline_s = opt_number(OPT_DEADLINE);
	p->deadline_ms = co->follow ? 0 : clock_mono_ms() +
			 (int64_t)(p->deadline_s * 1000);
	rc = cc->run_pipe(p, co);
	if (fflush(stdout) != 0 || ferror(stdout))
		rc = msg_output_failed(rc, errno ? errno : EIO, false);
	pipe_close(p);
	pipe_model_free(&pm);
	return rc;
}

/* An option's bad value: the setting's own message starts with its name
 * ("refresh: 0 is out of range"), which the flag replaces. */
static void flag_error(const char *flag, const char *err)
{
	const char *colon = strstr(err, ": ");

	msg_err("%s: %s", flag, colon ? colon + 2 : err);
}

/* Which command options were given (CF_ bits), to refuse one that means
 * nothing to the command. */
static unsigned flag_bit(int val, const char **name)
{
	for (size_t i = 0; i < cli_nflags; i++)
		if (cli_flags[i].val == val) {
			*name = cli_flags[i].name;
			return cli_flags[i].bit;
		}
	return 0;
}

int main(int argc, char **argv)
{
	struct cli_opts co = { .watch_for_ms = -1 };
	const char *order_by[16];
	size_t norder = 0;
	struct tui_opts to = {0};
	struct msg_list cfg_errs = {0};
	const char *uri = NULL, *config = NULL, *theme = NULL;
	const char *demo_create_path = NULL, *demo_trainer_path = NULL;
	const char *refresh = NULL, *timeout = NULL, *deadline = NULL;
	const char *cmd, *pipelines = NULL;
	const char *given_name[32] = {0};
	unsigned given = 0;
	const struct cli_command *cc;
	char **pos;
	size_t npos;
	bool demo = false, no_config = false, ascii = false, read_only = false;
	int ticks = 0, interval = 1000, c, rc;
	char *err = NULL;
	struct model m;
	struct store *s;

	to.start_mono = clock_mono_ms();
	setlocale(LC_ALL, "");
	options_init();
	ui_config_register();
	alert_rules_register();
	keymap_init();
	theme_reset();
	/* GNU getopt permutes: options may come before or after the command
	 * word ("mltop runs --json"); what is left are the positionals. */
	/* getopt's own errors name the program as a user types it, not by
	 * the path it was started from. */
	argv[0] = (char *)"mltop";
	while ((c = getopt_long(argc, argv, cli_shortopts(), cli_longopts(),
				NULL)) != -1) {
		const char *fname = NULL;
		unsigned bit = flag_bit(c, &fname);

		if (bit && !(given & bit)) {
			given |= bit;
			for (int b = 0; b < 32; b++)
				if (bit == 1u << b)
					given_name[b] = fname;
		}
		switch (c) {
		case 'u':
			uri = optarg;
			break;
		case 'r':
			refresh = optarg;
			break;
		case OPTV_TIMEOUT:
			timeout = optarg;
			break;
		case OPTV_DEADLINE:
			deadline = optarg;
			break;
		case 'p':
			pipelines = optarg;
			break;
		case OPTV_CONF:
			co.conf = optarg;
			break;
		case OPTV_TRY:
			co.try_number = optarg;
			break;
		case OPTV_MAP_INDEX:
			co.map_index = optarg;
			break;
		case OPTV_FOLLOW:
			co.follow = true;
			break;
		case OPTV_ONLY_FAILED:
			co.only_failed = true;
			break;
		case OPTV_DOWNSTREAM:
			co.downstream = true;
			break;
		case 'e':
			co.experiment = to.experiment = optarg;
			break;
		case 'c':
			config = optarg;
			break;
		case OPTV_NO_CONFIG:
			no_config = true;
			break;
		case OPTV_JSON:
			co.json = true;
			break;
		case OPTV_ALL:
			co.all = true;
			break;
		case OPTV_THEME:
			theme = optarg;
			break;
		case OPTV_ASCII:
			ascii = true;
			break;
		case OPTV_READ_ONLY:
			read_only = true;
			break;
		case OPTV_ALIAS:
			co.alias = optarg;
			break;
		case OPTV_STAGE:
			co.stage = optarg;
			break;
		case OPTV_ARCHIVE_EXISTING:
			co.archive_existing = true;
			break;
		case OPTV_NOTE:
			co.note = optarg;
			break;
		case OPTV_YES:
			co.yes = true;
			break;
		case OPTV_IF:
			co.cond = optarg;
			break;
		case OPTV_DIFF:
			co.diff = true;
			break;
		case OPTV_NAMES:
			co.names = true;
			break;
		case OPTV_FILTER:
			co.filter = optarg;
			break;
		case OPTV_RULES:
			co.rules_file = optarg;
			break;
		case OPTV_FOR:
			co.watch_for_ms = rule_duration_ms(optarg);
			if (co.watch_for_ms < 0) {
				msg_err("--for: '%s' is not a duration (90s, "
					"5m, 2h)", optarg);
				return 1;
			}
			break;
		case OPTV_EXIT_ON_ALERT:
			co.exit_on_alert = true;
			break;
		case OPTV_ORDER_BY:
			if (norder < sizeof(order_by) / sizeof(order_by[0]))
				order_by[norder++] = optarg;
			else {
				msg_err("--order-by: at most %zu keys",
					sizeof(order_by) / sizeof(order_by[0]));
				return 1;
			}
			co.order_by = order_by;
			co.norder_by = norder;
			break;
		case OPTV_MAX_RESULTS: {
			char *end;
			long n = strtol(optarg, &end, 10);

			if (*optarg == '\0' || *end || n < 1 || n > 50000) {
				msg_err("--max-results: '%s' is not a number "
					"from 1 to 50000", optarg);
				return 1;
			}
			co.max_results = n;
			break;
		}
		case OPTV_DEMO:
			demo = true;
			break;
		case OPTV_DEMO_CREATE:
			demo_create_path = optarg;
			break;
		case OPTV_DEMO_TRAINER:
			demo_trainer_path = optarg;
			break;
		case OPTV_TICKS:
			ticks = atoi(optarg);
			break;
		case OPTV_INTERVAL:
			interval = atoi(optarg);
			break;
		case OPTV_FIRST_FRAME:
			to.exit_after_first_frame = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("mltop %s\n", PACKAGE_VERSION);
			return 0;
		default:
			fputs("Try 'mltop --help'.\n", stderr);
			return 1;
		}
	}
	cmd = optind < argc ? argv[optind++] : NULL;
	cc = cmd ? cli_command_find(cmd) : NULL;
	/* An option the command does not read would be ignored in silence:
	 * refuse it (an unknown command gets its own error below). */
	if (!cmd || cc) {
		unsigned extra = given & ~(cc ? cc->flags : CLI_DASHBOARD_FLAGS);

		for (int b = 0; extra && b < 32; b++)
			if (extra & (1u << b)) {
				if (cc)
					msg_err("--%s means nothing to `mltop "
						"%s` (see mltop --help)",
						given_name[b], cc->name);
				else
					msg_err("--%s means nothing to the "
						"dashboard: it goes with a "
						"command (see mltop --help)",
						given_name[b]);
				return 1;
			}
	}
	pos = argv + optind;
	npos = (size_t)(argc - optind);
	/* Found while parsing, before --demo-create runs: no command but a
	 * variadic one takes more than two arguments. */
	if (npos > 2 && !(cc && (cc->max_args < 0 ||
				 npos <= (size_t)cc->max_args))) {
		msg_err("unexpected argument '%s'", pos[2]);
		return 1;
	}
	if (demo_create_path) {
		if (demo_create(demo_create_path, clock_now_ms(), &err) != 0) {
			msg_err("%s", err);
			free(err);
			return 2;
		}
		return 0;
	}
	if (demo_trainer_path) {
		if (read_only) {
			fputs("mltop: --read-only: the demo trainer writes to "
			      "its store; refused\n", stderr);
			return 5;
		}
		if (demo_trainer_run(demo_trainer_path, interval, ticks, &err) !=
		    0) {
			msg_err("%s", err);
			free(err);
			return 2;
		}
		return 0;
	}
	if (!no_config) {
		char *path = config ? xstrdup(config) : config_default_path();

		config_load(path, config != NULL, &cfg_errs);
		free(path);
	}
	if (refresh && opt_set(OPT_REFRESH, refresh, &err) != 0) {
		flag_error("--refresh", err);
		return 1;
	}
	if (timeout && opt_set(OPT_HTTP_TIMEOUT, timeout, &err) != 0) {
		flag_error("--timeout", err);
		return 1;
	}
	if (deadline && opt_set(OPT_DEADLINE, deadline, &err) != 0) {
		flag_error("--deadline", err);
		return 1;
	}
	if (theme && opt_set(OPT_THEME, theme, &err) != 0)
		return 1;
	if (strcmp(opt_string(OPT_THEME), "dark") != 0)
		theme_load(opt_string(OPT_THEME), &cfg_errs);
	if (ascii)
		opt_set(OPT_ASCII, "true", &err);
	draw_set_unicode(!opt_bool(OPT_ASCII) &&
			 strcmp(nl_langinfo(CODESET), "UTF-8") == 0);
	draw_set_ascii_text(strcmp(nl_langinfo(CODESET), "UTF-8") != 0);
	for (size_t i = 0; i < cfg_errs.n; i++)
		msg_err("%s", cfg_errs.v[i]);
	to.config_errors = &cfg_errs;

	if (cmd && !cc) {
		char *safe = sanitize_text(cmd);

		fprintf(stderr, "mltop: unknown command '%s' (", safe);
		free(safe);
		cli_commands_print_names(stderr);
		fputs(")\n", stderr);
		return 1;
	}
	if (cc && cli_command_bind(cc, pos, npos, &co) != 0)
		return 1;
	if (demo) {
		rc = run_demo(&to, read_only);
		msg_list_free(&cfg_errs);
		options_free();
		return rc;
	}
	if (cc && cc->run_pipe) {
		rc = run_pipeline_command(cc, &co, pipelines, read_only);
		msg_list_free(&cfg_errs);
		options_free();
		return rc;
	}
	if (!uri)
		uri = default_uri();
	if (!uri) {
		fputs("mltop: no tracking store: pass -u URI, set "
		      "MLFLOW_TRACKING_URI, or run where mlflow.db is "
		      "(try mltop --demo)\n", stderr);
		return 2;
	}
	model_init(&m);
	s = store_open_wait(uri, &m, cc ? STORE_SCRIPT_LOCK_WAIT_MS : 0, &err);
	if (!s) {
		msg_err("%s", err);
		free(err);
		return 2;
	}
	s->read_only = read_only;
	if (cc)
		store_set_deadline(s, opt_number(OPT_DEADLINE));
	if (!cc && open_dashboard_pipes(pipelines, read_only, &to) != 0) {
		store_close(s);
		model_free(&m);
		msg_list_free(&cfg_errs);
		options_free();
		return 2;
	}
	rc = cc ? cc->run(s, &co) : tui_run(s, &to);
	if (to.pipes) {
		struct pipe_model *pm = to.pipes->model;

		pipe_close(to.pipes);
		pipe_model_free(pm);
		free(pm);
	}
	/* Output that never arrived (a full disk, a closed pipe) is said,
	 * not left to a silent exit status. */
	if (cc && (fflush(stdout) != 0 || ferror(stdout)))
		rc = msg_output_failed(rc, errno ? errno : EIO,
				       (cc->flags & CF_YES) && rc == 2 &&
				       !m.error);
	store_close(s);
	model_free(&m);
	msg_list_free(&cfg_errs);
	options_free();
	return rc;
}
