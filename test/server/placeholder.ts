// placeholder so the project compiles; replaced by real tests
export {};
