// The program of the layer checks (CMakeLists.txt): it does nothing. Linking
// it with one layer's whole archive and only the layers below proves that the
// layer calls nothing above it.
int main() { return 0; }
