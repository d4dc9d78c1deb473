# What the bench/compare-*.sh scripts share about their arguments (sourced): checks, where a wrong
# value stops the script at once with one line on stderr, before anything is built or timed; and
# the settings a results file's Command line repeats.

fail() {
  echo "$(basename "$0"): $*" >&2
  exit 2
}

# positive_integer NAME VALUE: prints VALUE when it is a whole number ≥ 1, else fails naming NAME.
positive_integer() {
  [[ $2 =~ ^[1-9][0-9]*$ ]] || fail "$1 must be a whole number of at least 1, got '$2'"
  printf '%s\n' "$2"
}

# changed_setting NAME VALUE DEFAULT: prints 'NAME="VALUE" ' when VALUE is not DEFAULT, nothing
# otherwise: the prefix of a Command line that reproduces the run.
changed_setting() {
  [[ $2 == "$3" ]] || printf '%s="%s" ' "$1" "$2"
}
