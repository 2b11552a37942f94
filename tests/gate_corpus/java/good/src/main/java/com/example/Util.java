package com.example;

final class Util {
    private Util() {}

    static int twice(int x) {
        return x * 2;
    }
}
