# Runs "$1" one shell below this one (the shell stays as its parent), then idles.
bash -c "$1; true"
sleep 60
