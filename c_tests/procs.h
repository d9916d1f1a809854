/* Helpers for the multi-process C tests: run this program again as a child
 * in a given role, talk to it over pipes line by line. */
#ifndef RDRIVE_PROCS_H
#define RDRIVE_PROCS_H

#include <signal.h>
#include <sys/types.h>
#include <sys/wait.h>

#include "check.h"

typedef struct child {
    pid_t pid;
    FILE *to;   /* the child's stdin */
    FILE *from; /* the child's stdout */
} child;

/* Starts "<self> --role <role> <arg>" with pipes on its stdin and stdout.
 * The child inherits nothing else of this process's state (it is a new
 * program: exec). */
static inline child spawn_role(const char *self, const char *role, const char *arg) {
    int in[2], out[2];
    if (pipe(in) != 0 || pipe(out) != 0) {
        perror("pipe");
        exit(1);
    }
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        perror("fork");
        exit(1);
    }
    if (pid == 0) {
        dup2(in[0], 0);
        dup2(out[1], 1);
        close(in[0]);
        close(in[1]);
        close(out[0]);
        close(out[1]);
        execl(self, self, "--role", role, arg, (char *)NULL);
        _exit(127);
    }
    close(in[0]);
    close(out[1]);
    child c = {pid, fdopen(in[1], "w"), fdopen(out[0], "r")};
    return c;
}

/* Sends one line to a child. */
static inline void tell(child *c, const char *line) {
    fprintf(c->to, "%s\n", line);
    fflush(c->to);
}

/* Reads one line from a child (without the newline); "" at end of file. */
static inline const char *hear(child *c) {
    static char line[512];
    if (fgets(line, sizeof line, c->from) == NULL) return "";
    line[strcspn(line, "\n")] = '\0';
    return line;
}

/* Waits for a child; returns its exit status, or 128 + signal. */
static inline int reap(child *c) {
    int status = 0;
    fclose(c->to);
    fclose(c->from);
    if (waitpid(c->pid, &status, 0) != c->pid) return -1;
    if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* In a child: one line from the parent, "" at end of file. */
static inline const char *hear_parent(void) {
    static char line[512];
    if (fgets(line, sizeof line, stdin) == NULL) return "";
    line[strcspn(line, "\n")] = '\0';
    return line;
}

/* In a child: one line to the parent. */
static inline void tell_parent(const char *fmt, const char *value) {
    printf(fmt, value);
    printf("\n");
    fflush(stdout);
}

#endif
