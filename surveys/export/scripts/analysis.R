# Recompute the dashboard's comparisons from this bundle's data, and check them.
#
# Run from anywhere: Rscript analysis/analysis.R  (base R only).
# Reads ../climate.csv, ../mentor_pulse.csv, ../mentee_pulse.csv and
# expected.csv (what the dashboard showed when the
# export was built; the same facts as expected.json, which base R cannot read),
# recomputes every comparison with the dashboard's conventions, writes
# results-R.csv beside itself and prints one line per comparison: match,
# mismatch, or "differs: disclosure control" when rows were withheld or the
# role (or programme) was blanked in this export.
#
# Conventions (as analysis.py explains): Welch's t.test, two-sided; Hedges' g
# (pooled SD, J = 1 - 3/(4(n1+n2)-9), normal-quantile 95% interval); Holm
# (p.adjust) across the outcomes of one comparison in one round; the climate
# index as the mean of item means, n the smallest item n, SD the mean of item
# SDs; printed as the dashboard prints. Missing: blank and -96, -97, -98, -99.
# Pulses: mentor_pulse.csv against mentee_pulse.csv (each role answers its own).
# Before/after (difference-in-differences): participants' change from the first
# to the last round minus the comparison group's, the four rounds independent
# samples (SE sqrt(sum var/n), Welch-Satterthwaite df); the effect is the DiD
# over the baseline pooled SD with its t interval; n is "before;after".

args <- commandArgs(trailingOnly = FALSE)
file_arg <- sub("^--file=", "", args[grep("^--file=", args)])
here <- if (length(file_arg)) dirname(normalizePath(file_arg)) else getwd()
missing_codes <- c("", "-96", "-97", "-98", "-99")

read_text_csv <- function(path) {
  if (!file.exists(path)) return(NULL)
  x <- read.csv(path, colClasses = "character", na.strings = character(0),
                check.names = FALSE, encoding = "UTF-8")
  for (name in names(x)) x[[name]][trimws(x[[name]]) %in% missing_codes] <- NA
  x
}

fmt_p <- function(p) {
  if (is.null(p) || is.na(p)) return("p not available")
  if (p < 0.001) return("p < 0.001")
  if (p < 0.1) return(paste0("p = ", if (p >= 0.01) sprintf("%.2g", p) else sprintf("%.3f", p)))
  paste0("p = ", sprintf("%.2f", p))
}

summ <- function(v) {
  v <- as.numeric(v[!is.na(v)])
  n <- length(v)
  c(n = n, mean = if (n) mean(v) else NaN, var = if (n > 1) var(v) else NaN)
}

index_summ <- function(rows, items) {
  parts <- lapply(items, function(q) summ(rows[[q]]))
  if (any(vapply(parts, function(s) s[["n"]] < 2, logical(1)))) return(NULL)
  n <- min(vapply(parts, function(s) s[["n"]], numeric(1)))
  m <- mean(vapply(parts, function(s) s[["mean"]], numeric(1)))
  sd <- mean(vapply(parts, function(s) sqrt(s[["var"]]), numeric(1)))
  total <- m * n
  squares <- (n - 1) * sd * sd + n * m^2
  c(n = n, mean = total / n, var = max(0, (squares - total * (total / n)) / (n - 1)))
}

welch <- function(a, b) {
  n1 <- a[["n"]]; n2 <- b[["n"]]; v1 <- a[["var"]]; v2 <- b[["var"]]
  if (n1 < 2 || n2 < 2) return(NULL)
  se <- sqrt(v1 / n1 + v2 / n2)
  if (se == 0) return(NULL)
  t <- (a[["mean"]] - b[["mean"]]) / se
  df <- (v1 / n1 + v2 / n2)^2 / ((v1 / n1)^2 / (n1 - 1) + (v2 / n2)^2 / (n2 - 1))
  p <- min(1, 2 * pt(-abs(t), df))
  g <- NA; lo <- NA; hi <- NA
  pooled <- sqrt(((n1 - 1) * v1 + (n2 - 1) * v2) / (n1 + n2 - 2))
  if (pooled > 0) {
    g <- (1 - 3 / (4 * (n1 + n2) - 9)) * (a[["mean"]] - b[["mean"]]) / pooled
    half <- qnorm(0.975) * sqrt((n1 + n2) / (n1 * n2) + g^2 / (2 * (n1 + n2)))
    lo <- g - half; hi <- g + half
  }
  list(n_a = n1, n_b = n2, t = t, df = df, p = p, g = g, lo = lo, hi = hi)
}

did_test <- function(s) {
  n <- vapply(s, function(x) x[["n"]], numeric(1))
  m <- vapply(s, function(x) x[["mean"]], numeric(1))
  v <- vapply(s, function(x) x[["var"]], numeric(1))
  if (any(n < 2)) return(NULL)
  terms <- v / n
  se <- sqrt(sum(terms))
  if (se == 0) return(NULL)
  df <- sum(terms)^2 / sum(terms^2 / (n - 1))
  did <- (m[2] - m[1]) - (m[4] - m[3])
  t <- did / se
  half <- qt(0.975, df) * se
  sd <- sqrt(((n[1] - 1) * v[1] + (n[3] - 1) * v[3]) / (n[1] + n[3] - 2))
  g <- NA; lo <- NA; hi <- NA
  if (sd > 0) { g <- did / sd; lo <- (did - half) / sd; hi <- (did + half) / sd }
  list(n_a = paste0(n[1], ";", n[2]), n_b = paste0(n[3], ";", n[4]), t = t, df = df,
       p = min(1, 2 * pt(-abs(t), df)), g = g, lo = lo, hi = hi)
}

tables <- list()
table_of <- function(name) {
  if (is.null(tables[[name]])) {
    found <- read_text_csv(file.path(dirname(here), paste0(name, ".csv")))
    tables[[name]] <<- if (is.null(found)) data.frame(round = character(0),
      programme = character(0), role = character(0)) else found
  }
  tables[[name]]
}

expected <- read_text_csv(file.path(here, "expected.csv"))
withheld <- if (is.null(expected) || !nrow(expected)) 0 else as.numeric(expected$rows_withheld[1])
if (is.null(expected)) expected <- data.frame()
results <- vector("list", nrow(expected))
for (i in seq_len(nrow(expected))) {
  e <- expected[i, ]
  name_a <- if (is.na(e$table_a)) "climate" else e$table_a
  name_b <- if (is.na(e$table_b)) "climate" else e$table_b
  blanked <- 0
  picked <- lapply(unique(c(name_a, name_b)), function(name) {
    rows <- table_of(name)
    if (!is.na(e$round)) {
      wanted <- c(e$round, if (is.na(e$baseline)) character(0) else e$baseline)
      rows <- rows[!is.na(rows$round) & rows$round %in% wanted, , drop = FALSE]
    }
    if (!identical(e$single_programme, "true")) {
      blanked <<- blanked + sum(is.na(rows$programme))
      rows <- rows[!is.na(rows$programme) & rows$programme == e$programme, , drop = FALSE]
    }
    rows
  })
  rows <- picked[[1]]
  if (name_a == "climate") blanked <- blanked + sum(is.na(rows$role))
  out <- list(blanked = blanked, res = NULL, why = "")
  if (!is.na(e$refused)) {
    out$why <- e$refused  # the dashboard's refusal, or why it cannot be rerun
  } else if (name_a != name_b) {
    res <- welch(summ(picked[[1]][[e$column]]), summ(picked[[2]][[e$column]]))
    if (is.null(res)) out$why <- "too few answers, or no variation, to test" else out$res <- res
  } else {
    generalised <- "participant" %in% rows$role
    rounds <- if (is.na(e$baseline)) e$round else c(e$baseline, e$round)
    if (generalised && e$comparison == "mentors-mentees") {
      out$why <- "role was generalised to participant/comparison in this export"
    } else {
      sides <- list()
      for (spec in c(e$roles_a, e$roles_b)) for (r in rounds) {
        roles <- strsplit(spec, ";", fixed = TRUE)[[1]]
        if (generalised && setequal(roles, c("mentor", "mentee"))) roles <- c(roles, "participant")
        chosen <- rows[!is.na(rows$role) & rows$role %in% roles & rows$round == r, , drop = FALSE]
        # list(...) keeps a NULL side (an index item too thin or a side with no rows):
        # `sides[[i]] <- NULL` would drop it and shift the sides after it.
        sides[length(sides) + 1] <- list(if (e$column == "index") {
          index_summ(chosen, strsplit(e$index_items, ";", fixed = TRUE)[[1]])
        } else summ(chosen[[e$column]]))
      }
      res <- if (any(vapply(sides, is.null, logical(1)))) NULL
             else if (length(sides) == 4) did_test(sides) else welch(sides[[1]], sides[[2]])
      if (is.null(res)) out$why <- "too few answers, or no variation, to test" else out$res <- res
    }
  }
  results[[i]] <- out
}
# Holm across the outcomes of one comparison in one round.
family <- paste(expected$programme, expected$round, expected$baseline, expected$comparison,
                expected$source, sep = "\r")
tested <- which(vapply(results, function(o) !is.null(o$res), logical(1)))
for (key in unique(family[tested])) {
  members <- tested[family[tested] == key]
  adjusted <- p.adjust(vapply(members, function(j) results[[j]]$res$p, numeric(1)), "holm")
  for (m in seq_along(members)) results[[members[m]]]$res$p_adjusted <- adjusted[m]
}
table <- data.frame()
mismatches <- 0
for (i in seq_len(nrow(expected))) {
  e <- expected[i, ]; o <- results[[i]]; r <- o$res
  line <- data.frame(programme = e$programme, round = e$round, comparison = e$comparison,
                     outcome = e$outcome, side_a = e$side_a, n_a = "", side_b = e$side_b,
                     n_b = "", t = "", df = "", g = "", g_ci = "", p = "", p_adjusted = "",
                     status = "", note = o$why, stringsAsFactors = FALSE)
  if (is.null(r)) {
    line$status <- if (!is.na(e$refused)) "refused" else "not recomputed"
  } else {
    line$n_a <- as.character(r$n_a); line$n_b <- as.character(r$n_b)
    line$t <- sprintf("%.2f", r$t); line$df <- sprintf("%.1f", r$df)
    line$g <- if (is.na(r$g)) "n/a" else sprintf("%.2f", r$g)
    line$g_ci <- if (is.na(r$lo)) "" else sprintf("%.2f to %.2f", r$lo, r$hi)
    line$p <- fmt_p(r$p); line$p_adjusted <- fmt_p(r$p_adjusted)
    fields <- c("n_a", "n_b", "t", "df", "g", "g_ci", "p", "p_adjusted")
    want <- vapply(fields, function(f) if (is.na(e[[f]])) "" else e[[f]], character(1))
    same <- all(unlist(line[fields]) == want)
    left_out <- !is.na(e$figures_withheld)  # the export left the dashboard's figures out
    control <- o$blanked > 0 || withheld > 0 || left_out
    line$status <- if (same) "match" else if (control) "differs: disclosure control" else "mismatch"
    if (!same && left_out) {
      line$note <- e$figures_withheld
    } else if (!same && control) {
      line$note <- sprintf(paste("%d rows of this round have the role or programme blanked",
                                 "and %d rows of the export were withheld by disclosure control"),
                           o$blanked, withheld)
    }
    if (line$status == "mismatch") mismatches <- mismatches + 1
  }
  table <- rbind(table, line)
  where <- if (is.na(e$round)) "session pulses" else paste("round", e$round)
  cat(sprintf("%-28s %s (%s, %s): %s %s %s\n", line$status, e$outcome, e$comparison,
              where, line$t, line$p, line$note))
}
write.csv(table, file.path(here, "results-R.csv"), row.names = FALSE)
cat(sprintf("%d comparisons, %d unexplained mismatches\n", nrow(expected), mismatches))
quit(status = if (mismatches > 0) 1 else 0)
