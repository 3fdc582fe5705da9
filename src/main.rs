fn main() {
    let code = compose2k8s::run(std::env::args_os());
    std::process::exit(code);
}
