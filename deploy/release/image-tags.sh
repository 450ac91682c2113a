#!/bin/sh
# Prints the image tags for a release, one per line (DESIGN.md, "Release tags").
#
#   image-tags.sh tag vX.Y.Z[-pre]   a pushed tag: vX.Y.Z, X.Y, X, and latest when X >= 1;
#                                    a pre-release (vX.Y.Z-rc.1) gets only its own tag
#   image-tags.sh dispatch SHA       a manual run: snapshot-<first 7 of SHA>, never latest
#
# Anything malformed is an error (exit 1), so the release job fails instead of pushing odd tags.
set -eu

die() { printf 'image-tags.sh: %s\n' "$*" >&2; exit 1; }

[ $# -eq 2 ] || die "usage: image-tags.sh tag vX.Y.Z | image-tags.sh dispatch SHA"
kind=$1
value=$2

is_number() { # a decimal with no leading zero, as semver asks
  case "$1" in
    0) return 0 ;;
    ''|0*|*[!0-9]*) return 1 ;;
    *) return 0 ;;
  esac
}

case "$kind" in
  tag)
    case "$value" in
      v*) ;;
      *) die "tag '$value' does not start with v (expected vX.Y.Z)" ;;
    esac
    core=${value#v}
    pre=""
    prerelease=0
    case "$core" in
      *-*) prerelease=1; pre=${core#*-}; core=${core%%-*} ;;
    esac
    case "$core" in
      *.*.*.*|*+*) die "tag '$value' is not vX.Y.Z" ;;
      *.*.*) ;;
      *) die "tag '$value' is not vX.Y.Z" ;;
    esac
    major=${core%%.*}
    rest=${core#*.}
    minor=${rest%%.*}
    patch=${rest#*.}
    for n in "$major" "$minor" "$patch"; do
      is_number "$n" || die "tag '$value': '$n' is not a version number"
    done
    if [ "$prerelease" -eq 1 ]; then
      case "$pre" in
        ''|*[!0-9A-Za-z.-]*|.*|*.|*..*) die "tag '$value': pre-release part '$pre' is malformed" ;;
      esac
      echo "$value"
      exit 0
    fi
    echo "v$major.$minor.$patch"
    echo "$major.$minor"
    echo "$major"
    [ "$major" -ge 1 ] && echo latest
    exit 0
    ;;
  dispatch)
    case "$value" in
      *[!0-9a-f]*|'') die "commit '$value' is not a lowercase hex SHA" ;;
    esac
    [ ${#value} -ge 7 ] || die "commit '$value' is shorter than 7 characters"
    echo "snapshot-$(printf '%s' "$value" | cut -c1-7)"
    ;;
  *) die "unknown kind '$kind' (expected tag or dispatch)" ;;
esac
