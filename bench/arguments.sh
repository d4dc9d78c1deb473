# Argument checks shared by the bench/compare-*.sh scripts (sourced): a wrong value stops the
# script at once with one line on stderr, before anything is built or timed.

fail() {
  echo "$(basename "$0"): $*" >&2
  exit 2
}

# positive_integer NAME VALUE: prints VALUE when it is a whole number ≥ 1, else fails naming NAME.
positive_integer() {
  [[ $2 =~ ^[1-9][0-9]*$ ]] || fail "$1 must be a whole number of at least 1, got '$2'"
  printf '%s\n' "$2"
}
