// The `simdb` executable: parse, run, and map every failure to a documented exit status.
SimDBCommand.runAndExit()
