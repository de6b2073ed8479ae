# Time R policytree's exact policy_tree on data written by bench_policy.py.
#
# Usage (bench_policy.py --r calls it; it skips when R or policytree is missing):
#
#     Rscript benchmarks/bench_policytree_r.R data.csv depth out.csv
#
# data.csv: columns x0..x{p-1} then g0..g{K-1} (the reward matrix Gamma), no
# row names. out.csv gets one row: n, p, depth, the process CPU seconds
# (user + system, from proc.time) and wall seconds of policy_tree() alone, and
# the training welfare (mean Gamma of the chosen actions), so that the Python
# side can check that both libraries found a tree of the same value.
suppressPackageStartupMessages(library(policytree))

args <- commandArgs(trailingOnly = TRUE)
if (length(args) != 3) {
  stop("usage: Rscript bench_policytree_r.R data.csv depth out.csv")
}
data <- as.matrix(read.csv(args[1]))
depth <- as.integer(args[2])
X <- data[, startsWith(colnames(data), "x"), drop = FALSE]
Gamma <- data[, startsWith(colnames(data), "g"), drop = FALSE]

before <- proc.time()
tree <- policy_tree(X, Gamma, depth = depth, split.step = 1, min.node.size = 1)
spent <- proc.time() - before

actions <- predict(tree, X)
welfare <- mean(Gamma[cbind(seq_len(nrow(Gamma)), actions)])
write.csv(
  data.frame(
    n = nrow(X), p = ncol(X), depth = depth,
    cpu_seconds = unname(spent["user.self"] + spent["sys.self"]),
    wall_seconds = unname(spent["elapsed"]),
    welfare = welfare,
    policytree = as.character(packageVersion("policytree"))
  ),
  args[3], row.names = FALSE
)
